"""dossier day counts: per-unit, per-day counts kept by triggers (cchc.stats.daily)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:50:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

COUNTS = (
    'received_online', 'received_direct', 'received_postal', 'resolved_early', 'resolved_on_time', 'resolved_late',
    'refused', 'withdrawn', 'stopped', 'ended_late_without_result', 'ended_before_received', 'deadline_passed', 'deadline_passed_ended',
)


def upgrade() -> None:
    from cchc.stats import daily

    op.create_table(
        'dossier_day_counts',
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=8), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *[sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in COUNTS],
        sa.PrimaryKeyConstraint('unit_id', 'level', 'day', name=op.f('pk_dossier_day_counts')),
        sqlite_with_rowid=False,
    )
    # The triggers as cchc.stats.daily writes them today; a later change there comes with a
    # migration that calls install() again. Existing dossiers are counted once here.
    conn = op.get_bind()
    daily.install(conn)
    daily.rebuild(conn)


def downgrade() -> None:
    from cchc.stats import daily

    daily.uninstall(op.get_bind())
    op.drop_table('dossier_day_counts')
