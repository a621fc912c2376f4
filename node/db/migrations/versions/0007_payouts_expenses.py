"""Payouts, payment batches (pain.001) and expenses with their receipts.

Revision ID: 0007
Revises: 0005 (written alongside 0006; the integrator re-chains it after 0006)
Create Date: 2026-11-26 08:22:33.024173
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import UTCDateTime

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("execution_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_count", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("sent_by", sa.String(length=120), nullable=True),
        sa.Column("pain001", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_batches")),
        sa.UniqueConstraint("message_id", name=op.f("uq_payment_batches_message_id")),
    )
    op.create_table(
        "payouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("creditor_name", sa.String(length=200), nullable=False),
        sa.Column("creditor_iban_encrypted", sa.Text(), nullable=False),
        sa.Column("description", sa.String(length=140), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("approved_by", sa.String(length=120), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_by", sa.String(length=120), nullable=True),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column(
            "commit_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "paid_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_payouts_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["payment_batches.id"], name=op.f("fk_payouts_batch_id_payment_batches")
        ),
        sa.ForeignKeyConstraint(
            ["commit_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_payouts_commit_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_payouts_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["paid_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_payouts_paid_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
        sa.UniqueConstraint("end_to_end_id", name=op.f("uq_payouts_end_to_end_id")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payouts_idempotency_key")),
    )
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payouts_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payouts_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payouts_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payouts_status"), ["status"], unique=False)

    op.create_table(
        "expenses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("incurred_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.String(length=120), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("receipt_type", sa.String(length=40), nullable=False),
        sa.Column("receipt_size", sa.Integer(), nullable=False),
        sa.Column("receipt_sha256", sa.String(length=64), nullable=False),
        sa.Column("receipt", sa.LargeBinary(), nullable=False),
        sa.Column("payout_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_expenses_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_expenses_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"], ["payouts.id"], name=op.f("fk_expenses_payout_id_payouts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expenses")),
    )
    with op.batch_alter_table("expenses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expenses_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expenses_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expenses_payout_id"), ["payout_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expenses_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("expenses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expenses_status"))
        batch_op.drop_index(batch_op.f("ix_expenses_payout_id"))
        batch_op.drop_index(batch_op.f("ix_expenses_member_id"))
        batch_op.drop_index(batch_op.f("ix_expenses_activity_id"))

    op.drop_table("expenses")
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payouts_status"))
        batch_op.drop_index(batch_op.f("ix_payouts_member_id"))
        batch_op.drop_index(batch_op.f("ix_payouts_batch_id"))
        batch_op.drop_index(batch_op.f("ix_payouts_activity_id"))

    op.drop_table("payouts")
    op.drop_table("payment_batches")
