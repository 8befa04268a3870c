"""the job queue's dead letters: a job that failed its last retry, until an administrator replays or discards it

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-05 04:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'job_dead_letters',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('job', sa.String(120), nullable=False),
        sa.Column('arguments', sa.JSON(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('failed_at', sa.DateTime(), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('handled_at', sa.DateTime(), nullable=True),
        sa.Column('handled_by', sa.String(120), nullable=False),
    )
    op.create_index('ix_job_dead_letters_state_failed', 'job_dead_letters', ['state', 'failed_at'])


def downgrade() -> None:
    op.drop_index('ix_job_dead_letters_state_failed', table_name='job_dead_letters')
    op.drop_table('job_dead_letters')
