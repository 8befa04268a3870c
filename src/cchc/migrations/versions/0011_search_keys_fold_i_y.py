"""search keys write a syllable-final y as i (cchc.vn.search_fold): «dang ki» finds «Đăng ký», «ky» finds «kì»

Recomputes every stored search key — units.name_key, procedures.name_key, dossiers.applicant_key and
feedback.search_text — in SQL, only on rows whose key holds a y: PostgreSQL with regexp_replace (the same rule,
cchc.vn.FINAL_Y_POSTGRES), SQLite with the Python rule registered as a function of the connection. The keys are
already accent-free and lower-case, so folding the stored key equals recomputing it from the text.

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-05 03:35:00
"""
from alembic import op

revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None

KEYS = (('units', 'name_key'), ('procedures', 'name_key'), ('dossiers', 'applicant_key'), ('feedback', 'search_text'))


def upgrade() -> None:
    from cchc.vn import FINAL_Y_POSTGRES, fold_spelling

    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        pattern, replacement = FINAL_Y_POSTGRES
        for table, column in KEYS:
            conn.exec_driver_sql(
                f"UPDATE {table} SET {column} = regexp_replace({column}, %(pattern)s, %(replacement)s, 'g') "
                f"WHERE {column} LIKE '%%y%%'",
                {'pattern': pattern, 'replacement': replacement},
            )
        return
    conn.connection.driver_connection.create_function('cchc_fold_spelling', 1, fold_spelling, deterministic=True)
    for table, column in KEYS:
        conn.exec_driver_sql(f"UPDATE {table} SET {column} = cchc_fold_spelling({column}) WHERE {column} LIKE '%y%'")


def downgrade() -> None:
    """The y a key folded into i cannot be told from an i typed: recompute from the texts (as 0003 did for feedback)."""
    import re

    from cchc.vn import strip_accents

    def plain(text):
        return re.sub(r'\s+', ' ', strip_accents(text or '').lower()).strip()

    conn = op.get_bind()
    sources = {'units': ('id', 'name'), 'procedures': ('id', 'name'), 'dossiers': ('id', 'applicant_name')}
    for table, column in KEYS[:3]:
        key, text = sources[table]
        rows = conn.exec_driver_sql(f"SELECT {key}, {text} FROM {table} WHERE {column} LIKE '%i%'").all()
        for row_id, value in rows:
            conn.exec_driver_sql(f"UPDATE {table} SET {column} = ? WHERE id = ?" if conn.dialect.name == 'sqlite'
                                 else f"UPDATE {table} SET {column} = %s WHERE id = %s", (plain(value), row_id))
    rows = conn.exec_driver_sql("SELECT id, code, title, content, answer FROM feedback").all()
    for row in rows:
        text = plain(' '.join(x for x in row[1:] if x))
        conn.exec_driver_sql("UPDATE feedback SET search_text = ? WHERE id = ?" if conn.dialect.name == 'sqlite'
                             else "UPDATE feedback SET search_text = %s WHERE id = %s", (text, row[0]))
