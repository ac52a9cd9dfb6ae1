"""escalation: referrals of a disagreement about responsibility to the routine's next level

Revision ID: 0900_escalation
Revises: 0001_foundation
Create Date: 2026-12-05 09:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0900_escalation'
down_revision = '0001_foundation'
branch_labels = ('escalation',)
depends_on = None


def upgrade():
    op.create_table(
        'case_referrals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('process_key', sa.String(length=40), nullable=False),
        sa.Column('level_key', sa.String(length=40), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('referred_by_id', sa.Integer(), nullable=True),
        sa.Column('referred_at', sa.DateTime(), nullable=False),
        sa.Column('decision', sa.Text(), nullable=False),
        sa.Column('resolved', sa.Boolean(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_referrals_case_id_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['referred_by_id'], ['users.id'], name=op.f('fk_case_referrals_referred_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_case_referrals_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_referrals')),
    )
    with op.batch_alter_table('case_referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_referrals_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_referrals_case_id'))
    op.drop_table('case_referrals')
