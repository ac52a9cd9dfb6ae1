"""deviations: index the recipients for the inbox (e-mail and the matched columns; a 191-character e-mail prefix on MySQL/MariaDB)

Revision ID: 0701_deviation_inbox_indexes
Revises: 0700_deviations
Create Date: 2026-12-01 21:50:00
"""
from alembic import op


revision = '0701_deviation_inbox_indexes'
down_revision = '0700_deviations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deviation_recipients', schema=None) as batch_op:
        batch_op.create_index('ix_deviation_recipients_inbox', ['email', 'capacity', 'unit_key', 'service_key', 'report_id'],
                              unique=False, mysql_length={'email': 191})


def downgrade():
    with op.batch_alter_table('deviation_recipients', schema=None) as batch_op:
        batch_op.drop_index('ix_deviation_recipients_inbox')
