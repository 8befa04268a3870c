"""figures of closed periods cached per unit and window (cchc.stats.figure_cache), with the change counters
that invalidate them: per unit and month for dossiers and their details, per table for the rest, kept by triggers

The counters start at nothing and the cache empty: the first read of a closed period computes it.

Revision ID: 0008
Revises: 0009
Create Date: 2026-12-05 04:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0009'
branch_labels = None
depends_on = None


# The tables figures read at this revision (cchc.stats.figure_cache.VERSIONED may grow later: the migrations of
# the new tables install their own triggers).
VERSIONED_HERE = (
    "calendar_overrides", "feedback", "feedback_events", "feedback_votes", "manual_figures", "office_hours",
    "procedure_components", "procedure_fees", "procedure_fields", "procedure_publications", "procedure_steps",
    "procedures", "ratings", "reform_communications", "reform_directives", "reform_inspections", "reform_plan_items",
    "report_narratives", "submission_events", "submission_reminders", "submissions", "task_documents", "task_events",
    "task_reminders", "task_units", "tasks", "unit_reporting", "unit_successions", "units",
)


def upgrade() -> None:
    from cchc.stats import figure_cache

    op.create_table(
        'figure_cache',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('source_version', sa.String(length=64), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_cache')),
        sa.UniqueConstraint('unit_id', 'period_start', 'period_end', 'kind', name='uq_figure_cache_key'),
    )
    op.create_table(
        'figure_dossier_months',
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('unit_id', 'month', name=op.f('pk_figure_dossier_months')),
    )
    op.create_table(
        'figure_table_versions',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_figure_table_versions')),
    )
    figure_cache.install(op.get_bind(), VERSIONED_HERE)


def downgrade() -> None:
    from cchc.stats import figure_cache

    conn = op.get_bind()
    for stmt in figure_cache.uninstall_ddl(conn):
        conn.exec_driver_sql(stmt)
    if conn.dialect.name == 'postgresql':
        for table in ('dossiers', *figure_cache.DOSSIER_DETAILS, 'table'):
            conn.exec_driver_sql(f'DROP FUNCTION IF EXISTS {figure_cache.TRIGGER}_{table}()')
    op.drop_table('figure_table_versions')
    op.drop_table('figure_dossier_months')
    op.drop_table('figure_cache')
