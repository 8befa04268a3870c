"""notifications: every message sent (e-mail, SMS, Zalo) and each person's choice of channels

Revision ID: 0017
Revises: 0018
Create Date: 2026-12-05 04:45:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0018'  # the chain: 0014 → 0016 → 0015 → 0018 → 0017
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('recipient_name', sa.String(255), nullable=False),
        sa.Column('channel', sa.String(8), nullable=False),
        sa.Column('address', sa.String(255), nullable=False),
        sa.Column('template', sa.String(40), nullable=False),
        sa.Column('subject', sa.String(255), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossiers.id'), nullable=True),
        sa.Column('feedback_id', sa.Integer(), sa.ForeignKey('feedback.id'), nullable=True),
        sa.Column('dedupe_key', sa.String(120), nullable=False),
        sa.Column('state', sa.String(8), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('claimed_until', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('provider_ref', sa.String(255), nullable=False),
    )
    op.create_index('ix_notifications_state_created', 'notifications', ['state', 'created_at'])
    op.create_index('ix_notifications_dedupe', 'notifications', ['dedupe_key'])
    op.create_index('ix_notifications_user_id', 'notifications', ['user_id'])
    op.create_index('ix_notifications_dossier_id', 'notifications', ['dossier_id'])
    op.create_index('ix_notifications_feedback_id', 'notifications', ['feedback_id'])
    op.create_table(
        'notification_preferences',
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), primary_key=True),
        sa.Column('email', sa.Boolean(), nullable=False),
        sa.Column('phone_channel', sa.String(8), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('notification_preferences')
    for name in ('ix_notifications_feedback_id', 'ix_notifications_dossier_id', 'ix_notifications_user_id',
                 'ix_notifications_dedupe', 'ix_notifications_state_created'):
        op.drop_index(name, table_name='notifications')
    op.drop_table('notifications')
