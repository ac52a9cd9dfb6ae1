"""accounts: when and by whom each account was added to a unit (the managers' list of members)

audit_events(unit_key, at): a manager's log also lists events whose acting unit is theirs.

user_units.added_at and user_units.added_by_id. Memberships made before this revision keep
NULL in both: the portal shows "före 2026-12" rather than inventing a date.

Revision ID: 0005_account_visibility
Revises: 0004_identity
Create Date: 2026-12-05 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_account_visibility'
down_revision = '0004_identity'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('added_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_user_units_added_by_id_users'), 'users', ['added_by_id'], ['id'])
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_unit_at', ['unit_key', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_unit_at')
    with op.batch_alter_table('user_units', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_units_added_by_id_users'), type_='foreignkey')
        batch_op.drop_column('added_by_id')
        batch_op.drop_column('added_at')
