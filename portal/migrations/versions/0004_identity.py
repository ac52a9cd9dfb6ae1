"""identity: staff accounts linked to their subject at an organisation's OpenID provider

account_identities: one row per account and staff provider (portal.oidc), stored the first time
the account is matched by its e-mail address; later sign-ins are matched by (provider, subject).

Revision ID: 0004_identity
Revises: 0003_account_sessions
Create Date: 2026-12-05 09:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_identity'
down_revision = '0003_account_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'account_identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=150), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_login_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('provider', 'subject'),
        sa.UniqueConstraint('user_id', 'provider'),
    )
    with op.batch_alter_table('account_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_identities_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('account_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_identities_user_id'))
    op.drop_table('account_identities')
