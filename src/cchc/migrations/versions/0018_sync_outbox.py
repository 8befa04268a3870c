"""the sync with Cổng DVCQG: the outbox (one row per receipt or status change, acknowledged once) and the
dossiers received from the portal

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-05 04:45:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0015'  # the chain: 0014 → 0016 → 0015 → 0018
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sync_outbox',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossiers.id', ondelete='CASCADE'), nullable=False),
        sa.Column('event_id', sa.Integer(), sa.ForeignKey('dossier_events.id', ondelete='CASCADE'), nullable=False),
        sa.Column('dossier_code', sa.String(40), nullable=False),
        sa.Column('action', sa.String(40), nullable=False),
        sa.Column('idempotency_key', sa.String(80), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
        sa.Column('ack_status', sa.String(16), nullable=False),
        sa.Column('portal_reference', sa.String(120), nullable=False),
        sa.UniqueConstraint('event_id'),
        sa.UniqueConstraint('idempotency_key'),
    )
    op.create_index('ix_sync_outbox_dossier_id', 'sync_outbox', ['dossier_id'])
    op.create_index('ix_sync_outbox_state_dossier', 'sync_outbox', ['state', 'dossier_id', 'id'])
    op.create_table(
        'sync_inbound',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('portal_code', sa.String(60), nullable=False),
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossiers.id', ondelete='CASCADE'), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('portal_code'),
    )
    op.create_index('ix_sync_inbound_dossier_id', 'sync_inbound', ['dossier_id'])


def downgrade() -> None:
    op.drop_index('ix_sync_inbound_dossier_id', table_name='sync_inbound')
    op.drop_table('sync_inbound')
    op.drop_index('ix_sync_outbox_state_dossier', table_name='sync_outbox')
    op.drop_index('ix_sync_outbox_dossier_id', table_name='sync_outbox')
    op.drop_table('sync_outbox')
