"""deviations: deviation reports (avvikelserapporter), their routed managers and history

Revision ID: 0700_deviations
Revises: 0001_foundation
Create Date: 2026-11-23 14:31:32.923439
"""
from alembic import op
import sqlalchemy as sa


revision = '0700_deviations'
down_revision = '0001_foundation'
branch_labels = ('deviations',)
depends_on = None


def upgrade():
    op.create_table('deviation_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reporter_unit_key', sa.String(length=100), nullable=False),
    sa.Column('concerned_unit_key', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('reporter_name', sa.String(length=200), nullable=False),
    sa.Column('reporter_signed_at', sa.DateTime(), nullable=True),
    sa.Column('line_manager_id', sa.Integer(), nullable=True),
    sa.Column('line_manager_name', sa.String(length=200), nullable=False),
    sa.Column('line_manager_statement', sa.Text(), nullable=False),
    sa.Column('line_manager_signed_at', sa.DateTime(), nullable=True),
    sa.Column('handler_id', sa.Integer(), nullable=True),
    sa.Column('concerned_answer', sa.Text(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('feedback_at', sa.DateTime(), nullable=True),
    sa.Column('routing_rule', sa.String(length=60), nullable=False),
    sa.Column('routing_problems', sa.JSON(), nullable=False),
    sa.Column('needs_routing', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_deviation_reports_case_id_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name=op.f('fk_deviation_reports_handler_id_users')),
    sa.ForeignKeyConstraint(['line_manager_id'], ['users.id'], name=op.f('fk_deviation_reports_line_manager_id_users')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_deviation_reports_reporter_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deviation_reports')),
    sa.UniqueConstraint('ref', name=op.f('uq_deviation_reports_ref'))
    )
    with op.batch_alter_table('deviation_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deviation_reports_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deviation_reports_concerned_unit_key'), ['concerned_unit_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_deviation_reports_handler_id'), ['handler_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deviation_reports_needs_routing'), ['needs_routing'], unique=False)
        batch_op.create_index(batch_op.f('ix_deviation_reports_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deviation_reports_reporter_unit_key'), ['reporter_unit_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_deviation_reports_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_deviation_reports_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('deviation_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=30), nullable=False),
    sa.Column('to_status', sa.String(length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['deviation_reports.id'], name=op.f('fk_deviation_events_report_id_deviation_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_deviation_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deviation_events'))
    )
    with op.batch_alter_table('deviation_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deviation_events_report_id'), ['report_id'], unique=False)

    op.create_table('deviation_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=60), nullable=False),
    sa.Column('unit_key', sa.String(length=100), nullable=False),
    sa.Column('service_key', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['deviation_reports.id'], name=op.f('fk_deviation_recipients_report_id_deviation_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deviation_recipients'))
    )
    with op.batch_alter_table('deviation_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deviation_recipients_report_id'), ['report_id'], unique=False)



def downgrade():
    with op.batch_alter_table('deviation_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deviation_recipients_report_id'))

    op.drop_table('deviation_recipients')
    with op.batch_alter_table('deviation_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deviation_events_report_id'))

    op.drop_table('deviation_events')
    with op.batch_alter_table('deviation_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deviation_reports_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_deviation_reports_status'))
        batch_op.drop_index(batch_op.f('ix_deviation_reports_reporter_unit_key'))
        batch_op.drop_index(batch_op.f('ix_deviation_reports_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_deviation_reports_needs_routing'))
        batch_op.drop_index(batch_op.f('ix_deviation_reports_handler_id'))
        batch_op.drop_index(batch_op.f('ix_deviation_reports_concerned_unit_key'))
        batch_op.drop_index(batch_op.f('ix_deviation_reports_case_id'))

    op.drop_table('deviation_reports')
