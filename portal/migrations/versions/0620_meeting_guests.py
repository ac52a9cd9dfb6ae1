"""plans: meeting participants without an account (guests: role, phone, who confirmed the family agreed)

Revision ID: 0620_meeting_guests
Revises: 0600_plans
Create Date: 2026-12-05 12:45:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0620_meeting_guests'
down_revision = '0600_plans'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guest_role', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('phone', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('family_agreed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_meeting_participants_family_agreed_by_id_users', 'users',
                                    ['family_agreed_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.drop_constraint('fk_meeting_participants_family_agreed_by_id_users', type_='foreignkey')
        batch_op.drop_column('family_agreed_by_id')
        batch_op.drop_column('phone')
        batch_op.drop_column('guest_role')
