"""guidance: the green card checklist ticked per case (with history)

Revision ID: 0300_guidance
Revises: 0001_foundation
Create Date: 2026-11-23 15:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0300_guidance"
down_revision = "0001_foundation"
branch_labels = ("guidance",)
depends_on = None


def upgrade():
    op.create_table(
        "checklist_ticks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("checklist_key", sa.String(length=60), nullable=False),
        sa.Column("item_key", sa.String(length=100), nullable=False),
        sa.Column("ticked", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_checklist_ticks_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_checklist_ticks_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_ticks")),
    )
    with op.batch_alter_table("checklist_ticks", schema=None) as batch_op:
        batch_op.create_index("ix_checklist_ticks_case_item", ["case_id", "checklist_key", "item_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_checklist_ticks_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("checklist_ticks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_ticks_user_id"))
        batch_op.drop_index("ix_checklist_ticks_case_item")
    op.drop_table("checklist_ticks")
