"""cases: index a unit's cases newest first, with and without the status, for the case list

Revision ID: 0002_case_list_indexes
Revises: 0001_foundation
Create Date: 2026-12-02 01:10:00
"""
from alembic import op


revision = '0002_case_list_indexes'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    # unit_key String(100) + status String(20): 480 bytes in utf8mb4, well within InnoDB's 3072.
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_unit_status_updated', ['unit_key', 'status', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_unit_updated', ['unit_key', 'updated_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_unit_updated')
        batch_op.drop_index('ix_cases_unit_status_updated')
