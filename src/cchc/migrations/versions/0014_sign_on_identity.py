"""sign-on through OpenID Connect: the identity a provider verified on users, how a session was opened

users: identity_provider (citizen | officer, '' for a password account), identity_subject (the provider's
`sub`), identity_verified_at, birth_date. auth_sessions: login_method (mat_khau or the provider's kind) and the
provider's ID token (for its logout).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 11:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


# Plain ALTER TABLE … ADD/DROP COLUMN (SQLite 3.35 and later drop a column in place): a batch rebuild of users,
# which many tables reference, would fail on their foreign keys.
def user_columns() -> list[sa.Column]:
    return [
        sa.Column('identity_provider', sa.String(20), nullable=False, server_default=''),
        sa.Column('identity_subject', sa.String(255), nullable=False, server_default=''),
        sa.Column('identity_verified_at', sa.DateTime(), nullable=True),
        sa.Column('birth_date', sa.Date(), nullable=True),
    ]


def session_columns() -> list[sa.Column]:
    return [
        sa.Column('login_method', sa.String(20), nullable=False, server_default='mat_khau'),
        sa.Column('id_token', sa.Text(), nullable=False, server_default=''),
    ]


def upgrade() -> None:
    for column in user_columns():
        op.add_column('users', column)
    for column in session_columns():
        op.add_column('auth_sessions', column)


def downgrade() -> None:
    for column in reversed(session_columns()):
        op.drop_column('auth_sessions', column.name)
    for column in reversed(user_columns()):
        op.drop_column('users', column.name)
