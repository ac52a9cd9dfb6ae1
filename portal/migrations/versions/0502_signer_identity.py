"""consent: the signer's verified name, readable, and where it came from

consent_signers.verified_name: the name the signature is bound to (the signer's name on the
case when the typed name matched it, or the name an e-legitimation returned), and
consent_signers.verified_name_source: "case_record" or "eid". signed_name (what was typed)
already exists.

Revision ID: 0502_signer_identity
Revises: 0500_consent
Create Date: 2026-12-05 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0502_signer_identity'
down_revision = '0500_consent'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consent_signers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('verified_name_source', sa.String(length=20), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('consent_signers', schema=None) as batch_op:
        batch_op.drop_column('verified_name_source')
        batch_op.drop_column('verified_name')
