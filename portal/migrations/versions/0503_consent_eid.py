"""consent: e-legitimation on a signature (the name the provider vouched for and its acr)

Revision ID: 0503_consent_eid
Revises: 0502_signer_identity
Create Date: 2026-12-05 09:12:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0503_consent_eid'
down_revision = '0502_signer_identity'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consent_signers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_acr', sa.String(length=100), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('consent_signers', schema=None) as batch_op:
        batch_op.drop_column('identity_acr')
