"""digital signatures of results: the verified signature of a dossier's file, a leader's remote-signing credential

dossier_files: signer, signer_organisation, signed_at, signature_issuer, signature_serial (as verified when the
file was stored) and signature_problem (why it does not stand). users: signing_credential (the credential id at
the CA's remote-signing service).

Revision ID: 0015
Revises: 0016
Create Date: 2026-12-05 04:45:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0016'
branch_labels = None
depends_on = None


# Plain ALTER TABLE … ADD/DROP COLUMN (as 0014): a batch rebuild of users or dossier_files would trip on their
# foreign keys and on the triggers of the figure cache.
def file_columns() -> list[sa.Column]:
    return [
        sa.Column('signer', sa.String(255), nullable=False, server_default=''),
        sa.Column('signer_organisation', sa.String(255), nullable=False, server_default=''),
        sa.Column('signed_at', sa.DateTime(), nullable=True),
        sa.Column('signature_issuer', sa.String(255), nullable=False, server_default=''),
        sa.Column('signature_serial', sa.String(80), nullable=False, server_default=''),
        sa.Column('signature_problem', sa.Text(), nullable=False, server_default=''),
    ]


def upgrade() -> None:
    for column in file_columns():
        op.add_column('dossier_files', column)
    op.add_column('users', sa.Column('signing_credential', sa.String(120), nullable=False, server_default=''))


def downgrade() -> None:
    op.drop_column('users', 'signing_credential')
    for column in reversed(file_columns()):
        op.drop_column('dossier_files', column.name)
