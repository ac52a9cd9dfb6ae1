"""consent: requests, signers, personal links and the event chain

consents (one request on a case), consent_units (each unit that may exchange information),
consent_signers (guardians and the young person, with the exact text shown and its SHA-256),
consent_links (personal links and one-time codes, stored as hashes only) and consent_events
(the append-only hash chain). No other feature's tables are referenced.

Revision ID: 0500_consent
Revises: 0001_foundation
Create Date: 2026-11-23 14:32:55.502693
"""
from alembic import op
import sqlalchemy as sa


revision = '0500_consent'
down_revision = '0001_foundation'
branch_labels = ('consent',)
depends_on = None


def upgrade():
    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('signer_plan', sa.JSON(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('contact_unit_key', sa.String(length=100), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('valid_at', sa.DateTime(), nullable=True),
    sa.Column('declined_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('expired_at', sa.DateTime(), nullable=True),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_consents_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_consents_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consents_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_consents_valid_until'), ['valid_until'], unique=False)

    op.create_table('consent_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('event', sa.String(length=30), nullable=False),
    sa.Column('signer_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_consent_events_consent_id_consents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_events')),
    sa.UniqueConstraint('consent_id', 'seq', name=op.f('uq_consent_events_consent_id'))
    )
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_events_consent_id'), ['consent_id'], unique=False)

    op.create_table('consent_signers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('identity_provider', sa.String(length=40), nullable=False),
    sa.Column('identity_method', sa.String(length=40), nullable=False),
    sa.Column('assurance', sa.String(length=20), nullable=False),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('signed_name', sa.String(length=200), nullable=False),
    sa.Column('declined_at', sa.DateTime(), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdraw_method', sa.String(length=40), nullable=False),
    sa.Column('withdraw_reason', sa.Text(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_consent_signers_consent_id_consents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardians.id'], name=op.f('fk_consent_signers_guardian_id_guardians'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_consent_signers_verified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_signers'))
    )
    with op.batch_alter_table('consent_signers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_signers_consent_id'), ['consent_id'], unique=False)

    op.create_table('consent_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('unit_key', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_consent_units_consent_id_consents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_units')),
    sa.UniqueConstraint('consent_id', 'unit_key', name=op.f('uq_consent_units_consent_id'))
    )
    with op.batch_alter_table('consent_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_units_consent_id'), ['consent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_units_unit_key'), ['unit_key'], unique=False)

    op.create_table('consent_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.Column('otp_hash', sa.String(length=64), nullable=False),
    sa.Column('otp_expires_at', sa.DateTime(), nullable=True),
    sa.Column('otp_attempts', sa.Integer(), nullable=False),
    sa.Column('otp_sent_count', sa.Integer(), nullable=False),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['signer_id'], ['consent_signers.id'], name=op.f('fk_consent_links_signer_id_consent_signers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_consent_links_token_hash'))
    )
    with op.batch_alter_table('consent_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_links_signer_id'), ['signer_id'], unique=False)



def downgrade():
    with op.batch_alter_table('consent_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_links_signer_id'))

    op.drop_table('consent_links')
    with op.batch_alter_table('consent_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_units_unit_key'))
        batch_op.drop_index(batch_op.f('ix_consent_units_consent_id'))

    op.drop_table('consent_units')
    with op.batch_alter_table('consent_signers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_signers_consent_id'))

    op.drop_table('consent_signers')
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_events_consent_id'))

    op.drop_table('consent_events')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_valid_until'))
        batch_op.drop_index(batch_op.f('ix_consents_status'))
        batch_op.drop_index(batch_op.f('ix_consents_case_id'))

    op.drop_table('consents')
