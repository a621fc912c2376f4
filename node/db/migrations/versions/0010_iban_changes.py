"""Members' IBAN changes: requested, approved by a second staff member, effective after a hold.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import UTCDateTime

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "iban_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("new_iban_encrypted", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("approved_by", sa.String(length=120), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("effective_at", UTCDateTime(), nullable=True),
        sa.Column("applied_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_by", sa.String(length=120), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_iban_changes_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iban_changes")),
    )
    op.create_index(op.f("ix_iban_changes_member_id"), "iban_changes", ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_iban_changes_member_id"), table_name="iban_changes")
    op.drop_table("iban_changes")
