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
import sqlalchemy as sa

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
            conn.execute(sa.text(f"UPDATE {table} SET {column} = regexp_replace({column}, :pattern, :replacement, 'g') "
                                 f"WHERE {column} LIKE :has_y"), {'pattern': pattern, 'replacement': replacement, 'has_y': '%y%'})
        return
    conn.connection.driver_connection.create_function('cchc_fold_spelling', 1, fold_spelling, deterministic=True)
    for table, column in KEYS:
        conn.execute(sa.text(f"UPDATE {table} SET {column} = cchc_fold_spelling({column}) WHERE {column} LIKE :has_y"),
                     {'has_y': '%y%'})


def downgrade() -> None:
    """A y folded into i cannot be told from an i typed: the keys holding an i are computed again from their texts
    without the fold (cchc.vn.search_key), as 0003 computed feedback's."""
    from cchc.vn import search_key

    conn = op.get_bind()
    texts = {'units': 'name', 'procedures': 'name', 'dossiers': 'applicant_name'}
    for table, column in KEYS[:3]:
        rows = conn.execute(sa.text(f"SELECT id, {texts[table]} FROM {table} WHERE {column} LIKE :has_i"), {'has_i': '%i%'}).all()
        if rows:
            conn.execute(sa.text(f"UPDATE {table} SET {column} = :key WHERE id = :row_id"),
                         [{'key': search_key(text), 'row_id': row_id} for row_id, text in rows])
    rows = conn.execute(sa.text("SELECT id, code, title, content, answer FROM feedback WHERE search_text LIKE :has_i"),
                        {'has_i': '%i%'}).all()
    if rows:
        conn.execute(sa.text("UPDATE feedback SET search_text = :key WHERE id = :row_id"),
                     [{'key': search_key(' '.join(x for x in row[1:] if x)), 'row_id': row[0]} for row in rows])
