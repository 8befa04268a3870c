"""payments of dossiers' fees: one row per attempt, online through a gateway or at the counter (cchc.payments)

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-05 04:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'payments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Numeric(precision=14, scale=0), nullable=False),
        sa.Column('fee_lines', sa.JSON(), nullable=False),
        sa.Column('method', sa.String(length=16), nullable=False),
        sa.Column('txn_ref', sa.String(length=40), nullable=True),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('gateway_txn_no', sa.String(length=40), nullable=False),
        sa.Column('bank_code', sa.String(length=20), nullable=False),
        sa.Column('response_code', sa.String(length=4), nullable=False),
        sa.Column('paid_at', sa.DateTime(), nullable=True),
        sa.Column('confirmed_params', sa.JSON(), nullable=False),
        sa.Column('receipt_no', sa.String(length=40), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('reconciled_at', sa.DateTime(), nullable=True),
        sa.Column('reconcile_result', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_payments_created_by_user_id_users')),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_payments_dossier_id_dossiers'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_payments_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
        sa.UniqueConstraint('txn_ref', name=op.f('uq_payments_txn_ref')),
    )
    op.create_index(op.f('ix_payments_dossier_id'), 'payments', ['dossier_id'], unique=False)
    op.create_index('ix_payments_unit_created', 'payments', ['unit_id', 'created_at'], unique=False)
    op.create_index('ix_payments_state_created', 'payments', ['state', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_payments_state_created', table_name='payments')
    op.drop_index('ix_payments_unit_created', table_name='payments')
    op.drop_index(op.f('ix_payments_dossier_id'), table_name='payments')
    op.drop_table('payments')
