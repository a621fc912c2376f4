"""Activities and their members (each activity's budget account lives in the ledger).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 08:02:33.609977
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import UTCDateTime

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    op.create_table(
        "activity_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_activity_members_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_activity_members_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_members")),
        sa.UniqueConstraint("activity_id", "member_id", name="uq_activity_members_pair"),
    )
    with op.batch_alter_table("activity_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_members_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_activity_members_member_id"), ["member_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("activity_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_members_member_id"))
        batch_op.drop_index(batch_op.f("ix_activity_members_activity_id"))

    op.drop_table("activity_members")
    op.drop_table("activities")
