"""escalation: minutes of a referred case's meetings shared with the level's members (Arjeplog: the styrgrupp)

Revision ID: 0910_minutes_shares
Revises: 0900_escalation
Create Date: 2026-12-05 12:50:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0910_minutes_shares'
down_revision = '0900_escalation'
branch_labels = None
depends_on = ('0600_plans',)


def upgrade():
    op.create_table(
        'minutes_shares',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('shared_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['referral_id'], ['case_referrals.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('minutes_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_shares_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_minutes_shares_referral_id'), ['referral_id'], unique=False)


def downgrade():
    with op.batch_alter_table('minutes_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_shares_referral_id'))
        batch_op.drop_index(batch_op.f('ix_minutes_shares_meeting_id'))
    op.drop_table('minutes_shares')
