"""subject access: registerutdrag prepared ahead by `portal exports run` (issue 32)

Revision ID: 0012_subject_access_exports
Revises: 0005_account_visibility
Create Date: 2026-12-05 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_subject_access_exports'
down_revision = '0005_account_visibility'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'subject_access_exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('guardian_id', sa.Integer(), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('signer_id', sa.Integer(), nullable=True),
        sa.Column('requester_name', sa.String(length=200), nullable=False),
        sa.Column('contact', sa.String(length=300), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=True),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('ready_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_subject_access_exports_case_id_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['guardian_id'], ['guardians.id'],
                                name=op.f('fk_subject_access_exports_guardian_id_guardians'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_subject_access_exports_requested_by_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_access_exports')),
    )
    with op.batch_alter_table('subject_access_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_access_exports_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_access_exports_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_access_exports_expires_at'), ['expires_at'], unique=False)


def downgrade():
    op.drop_table('subject_access_exports')
