"""dossiers synced to DVCQG only when a sync is recorded: synced_dvcqg defaults to false, existing rows false

Before this revision every dossier was written with synced_dvcqg = true although nothing ever synced one
to the national portal, so 766 indicator 1.4 claimed every dossier synced (and 3.3 and 3.5 built on it).
No sync was ever recorded, so every existing row becomes false, and the column's database default is
false (the model's too). The downgrade puts the old definition back but not the old values: they said
what never happened.

PostgreSQL alters the column. SQLite cannot: a batch rebuild would drop the dossiers table, which
dossier_steps, dossier_files, ratings … reference with ON DELETE CASCADE, together with its day-count
triggers. The default is written into the table's stored definition instead, the procedure the SQLite
documentation gives for changing a column's default ("Making Other Kinds Of Table Schema Changes",
https://www.sqlite.org/lang_altertable.html): the rows on disk are not touched by it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 09:00:00
"""
import re

from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The column in SQLite's stored CREATE TABLE: its type, an optional DEFAULT, then NOT NULL.
_COLUMN = re.compile(r"(\bsynced_dvcqg\s+BOOLEAN)(\s+DEFAULT\s+(?:'[^']*'|\S+))?(\s+NOT\s+NULL)", re.IGNORECASE)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'sqlite':
        _sqlite_default(conn, " DEFAULT '0'")
    else:
        op.alter_column('dossiers', 'synced_dvcqg', server_default=sa.text('false'), existing_type=sa.Boolean(),
                        existing_nullable=False)
    dossiers = sa.table('dossiers', sa.column('synced_dvcqg', sa.Boolean))
    conn.execute(dossiers.update().where(dossiers.c.synced_dvcqg.is_(True)).values(synced_dvcqg=False))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'sqlite':
        _sqlite_default(conn, "")
    else:
        op.alter_column('dossiers', 'synced_dvcqg', server_default=None, existing_type=sa.Boolean(),
                        existing_nullable=False)


def _sqlite_default(conn, default: str) -> None:
    """Give synced_dvcqg `default` (" DEFAULT '0'", or "" for none) in the stored definition of dossiers."""
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'dossiers'").scalar_one()
    found = _COLUMN.findall(sql)
    if len(found) != 1:
        raise RuntimeError(
            "Không nhận ra định nghĩa cột synced_dvcqg của bảng dossiers (SQLite) để đặt giá trị mặc định; "
            "cơ sở dữ liệu không được thay đổi."
        )
    changed = _COLUMN.sub(lambda m: m.group(1) + default + m.group(3), sql)
    if changed == sql:
        return
    version = conn.exec_driver_sql('PRAGMA schema_version').scalar_one()
    conn.exec_driver_sql('PRAGMA writable_schema=ON')
    try:
        conn.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'dossiers'", (changed,))
        # A new schema version makes every connection read the definition again.
        conn.exec_driver_sql(f'PRAGMA schema_version={int(version) + 1}')
    finally:
        conn.exec_driver_sql('PRAGMA writable_schema=OFF')
