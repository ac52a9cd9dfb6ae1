"""plans: the case's process steps, plans with versions and approvals, follow-ups,
contact changes, meetings with participants, and the units taking part (access).

Revision ID: 0600_plans
Revises: 0001_foundation
Create Date: 2026-11-23 14:36:10.478076
"""
from alembic import op
import sqlalchemy as sa


revision = '0600_plans'
down_revision = '0001_foundation'
branch_labels = ('plans',)
depends_on = None


def upgrade():
    op.create_table('case_processes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=40), nullable=False),
    sa.Column('acute', sa.Boolean(), nullable=False),
    sa.Column('chosen_at', sa.DateTime(), nullable=False),
    sa.Column('chosen_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_processes_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chosen_by_id'], ['users.id'], name=op.f('fk_case_processes_chosen_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_processes')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_processes_case_id'))
    )
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('digital_link', sa.String(length=500), nullable=False),
    sa.Column('child_participation', sa.String(length=30), nullable=False),
    sa.Column('child_voice_by', sa.String(length=200), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('lead_time_agreed', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('uid', sa.String(length=191), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('invited_at', sa.DateTime(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('notes_shared_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_meetings_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meetings_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    sa.UniqueConstraint('uid', name=op.f('uq_meetings_uid'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_case_id'), ['case_id'], unique=False)

    op.create_table('plan_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('unit_key', sa.String(length=100), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_plan_units_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_units')),
    sa.UniqueConstraint('case_id', 'unit_key', name=op.f('uq_plan_units_case_id'))
    )
    with op.batch_alter_table('plan_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_units_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_units_unit_key'), ['unit_key'], unique=False)

    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('process_key', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_plans_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_plans_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_case_id'), ['case_id'], unique=False)

    op.create_table('process_step_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('step_key', sa.String(length=40), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('done_by_label', sa.String(length=200), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_process_step_records_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_process_step_records_done_by_id_users')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_process_step_records_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_step_records')),
    sa.UniqueConstraint('case_id', 'step_key', name=op.f('uq_process_step_records_case_id'))
    )
    with op.batch_alter_table('process_step_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_step_records_case_id'), ['case_id'], unique=False)

    op.create_table('meeting_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('unit_key', sa.String(length=100), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=False),
    sa.Column('is_chair', sa.Boolean(), nullable=False),
    sa.Column('is_secretary', sa.Boolean(), nullable=False),
    sa.Column('invited_sequence', sa.Integer(), nullable=True),
    sa.Column('absent', sa.Boolean(), nullable=False),
    sa.Column('absence_reported_at', sa.DateTime(), nullable=True),
    sa.Column('absence_note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardians.id'], name=op.f('fk_meeting_participants_guardian_id_guardians'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_participants_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meeting_participants_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_participants'))
    )
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_participants_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('plan_contact_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('old_user_id', sa.Integer(), nullable=False),
    sa.Column('new_user_id', sa.Integer(), nullable=False),
    sa.Column('new_unit_key', sa.String(length=100), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_plan_contact_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['new_user_id'], ['users.id'], name=op.f('fk_plan_contact_changes_new_user_id_users')),
    sa.ForeignKeyConstraint(['old_user_id'], ['users.id'], name=op.f('fk_plan_contact_changes_old_user_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_contact_changes_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_contact_changes'))
    )
    with op.batch_alter_table('plan_contact_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_contact_changes_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_plan_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_versions_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_plan_versions_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_versions')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_plan_versions_plan_id'))
    )
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_versions_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('party', sa.String(length=20), nullable=False),
    sa.Column('unit_key', sa.String(length=100), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('signer_ref', sa.String(length=100), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_plan_approvals_approved_by_id_users')),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardians.id'], name=op.f('fk_plan_approvals_guardian_id_guardians'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['plan_versions.id'], name=op.f('fk_plan_approvals_version_id_plan_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_approvals'))
    )
    with op.batch_alter_table('plan_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_approvals_version_id'), ['version_id'], unique=False)

    op.create_table('plan_followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('from_version_id', sa.Integer(), nullable=False),
    sa.Column('to_version_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('deviations', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_plan_followups_created_by_id_users')),
    sa.ForeignKeyConstraint(['from_version_id'], ['plan_versions.id'], name=op.f('fk_plan_followups_from_version_id_plan_versions')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_followups_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_version_id'], ['plan_versions.id'], name=op.f('fk_plan_followups_to_version_id_plan_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_followups'))
    )
    with op.batch_alter_table('plan_followups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_followups_plan_id'), ['plan_id'], unique=False)



def downgrade():
    with op.batch_alter_table('plan_followups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_followups_plan_id'))

    op.drop_table('plan_followups')
    with op.batch_alter_table('plan_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_approvals_version_id'))

    op.drop_table('plan_approvals')
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_versions_plan_id'))

    op.drop_table('plan_versions')
    with op.batch_alter_table('plan_contact_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_contact_changes_plan_id'))

    op.drop_table('plan_contact_changes')
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_participants_meeting_id'))

    op.drop_table('meeting_participants')
    with op.batch_alter_table('process_step_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_step_records_case_id'))

    op.drop_table('process_step_records')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_case_id'))

    op.drop_table('plans')
    with op.batch_alter_table('plan_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_units_unit_key'))
        batch_op.drop_index(batch_op.f('ix_plan_units_case_id'))

    op.drop_table('plan_units')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_case_id'))

    op.drop_table('meetings')
    op.drop_table('case_processes')
