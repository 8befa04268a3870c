"""the tokens of the per-process caches (cchc.calendar.cache): one row per cached kind, renewed with each change

A serving process keeps the working calendar and the procedures it receives dossiers for; it uses its copy only
while the token of that kind is the one it was read under. The table starts empty: a kind gets its row with the
first change of its tables after this revision, and until then nothing is cached.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-05 03:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'cache_generations',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_generations')),
    )


def downgrade() -> None:
    op.drop_table('cache_generations')
