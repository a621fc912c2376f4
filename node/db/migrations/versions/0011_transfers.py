"""Internal purchases between activities.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import UTCDateTime

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buyer_activity_id", sa.Integer(), nullable=False),
        sa.Column("seller_activity_id", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("proposed_by", sa.String(length=120), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.Column("accepted_by", sa.String(length=120), nullable=True),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_by", sa.String(length=120), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_transfers_amount_positive")),
        sa.CheckConstraint(
            "buyer_activity_id <> seller_activity_id", name=op.f("ck_transfers_two_activities")
        ),
        sa.ForeignKeyConstraint(
            ["buyer_activity_id"],
            ["activities.id"],
            name=op.f("fk_transfers_buyer_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_transfers_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(
            ["seller_activity_id"],
            ["activities.id"],
            name=op.f("fk_transfers_seller_activity_id_activities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
        sa.UniqueConstraint("buyer_activity_id", "idempotency_key", name="uq_transfers_buyer_key"),
    )
    op.create_index(
        op.f("ix_transfers_buyer_activity_id"), "transfers", ["buyer_activity_id"], unique=False
    )
    op.create_index(
        op.f("ix_transfers_seller_activity_id"), "transfers", ["seller_activity_id"], unique=False
    )
    op.create_index(op.f("ix_transfers_status"), "transfers", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_transfers_status"), table_name="transfers")
    op.drop_index(op.f("ix_transfers_seller_activity_id"), table_name="transfers")
    op.drop_index(op.f("ix_transfers_buyer_activity_id"), table_name="transfers")
    op.drop_table("transfers")
