"""deviations: the inbox entries (one row per account and submitted report it may act on), so the inbox reads an index range per account

Revision ID: 0702_deviation_inbox
Revises: 0701_deviation_inbox_indexes
Create Date: 2026-12-02 01:10:00

The table starts empty; ``portal db upgrade`` fills it from the role rules after the migrations.
"""
import sqlalchemy as sa
from alembic import op


revision = '0702_deviation_inbox'
down_revision = '0701_deviation_inbox_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'deviation_inbox',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=30), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('waiting', sa.Boolean(), nullable=False),
        sa.Column('is_open', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['deviation_reports.id'],
                                name=op.f('fk_deviation_inbox_report_id_deviation_reports'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_deviation_inbox_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'report_id', name=op.f('pk_deviation_inbox')),
    )
    with op.batch_alter_table('deviation_inbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deviation_inbox_report_id'), ['report_id'], unique=False)
        batch_op.create_index('ix_deviation_inbox_newest', ['user_id', 'submitted_at', 'report_id'], unique=False)
        batch_op.create_index('ix_deviation_inbox_waiting', ['user_id', 'waiting', 'submitted_at', 'report_id'],
                              unique=False)
        batch_op.create_index('ix_deviation_inbox_open', ['user_id', 'is_open', 'submitted_at', 'report_id'],
                              unique=False)
        batch_op.create_index('ix_deviation_inbox_counts', ['user_id', 'status', 'waiting', 'is_open', 'submitted_at'],
                              unique=False)


def downgrade():
    op.drop_table('deviation_inbox')
