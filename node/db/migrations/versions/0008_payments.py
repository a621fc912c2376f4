"""Client payments and the unmatched credits queue.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import UTCDateTime

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRY_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "unmatched_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_key", sa.String(length=200), nullable=False),
        sa.Column("statement_id", sa.String(length=80), nullable=False),
        sa.Column("entry_index", sa.Integer(), nullable=False),
        sa.Column("entry_ref", sa.String(length=80), nullable=True),
        sa.Column("transaction_index", sa.Integer(), nullable=True),
        sa.Column("booking_date", sa.Date(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=True),
        sa.Column("remittance_text", sa.String(length=500), nullable=False),
        sa.Column("counterparty_name", sa.String(length=140), nullable=True),
        sa.Column("counterparty_iban_encrypted", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("journal_entry_id", ENTRY_ID, nullable=True),
        sa.Column("refund_entry_id", ENTRY_ID, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("resolved_by", sa.String(length=120), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_unmatched_credits_journal_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["refund_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_unmatched_credits_refund_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unmatched_credits")),
        sa.UniqueConstraint("line_key", name=op.f("uq_unmatched_credits_line_key")),
    )
    with op.batch_alter_table("unmatched_credits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unmatched_credits_status"), ["status"], unique=False)

    op.create_table(
        "client_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("applied_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("bank_reference", sa.String(length=80), nullable=True),
        sa.Column("counterparty_name", sa.String(length=140), nullable=True),
        sa.Column("counterparty_iban_encrypted", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("unmatched_credit_id", sa.Integer(), nullable=True),
        sa.Column("journal_entry_id", ENTRY_ID, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_client_payments_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_client_payments_journal_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["unmatched_credit_id"],
            ["unmatched_credits.id"],
            name=op.f("fk_client_payments_unmatched_credit_id_unmatched_credits"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_payments")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_client_payments_idempotency_key")),
        sa.UniqueConstraint(
            "unmatched_credit_id", name=op.f("uq_client_payments_unmatched_credit_id")
        ),
    )
    with op.batch_alter_table("client_payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_payments_invoice_id"), ["invoice_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("client_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_payments_invoice_id"))

    op.drop_table("client_payments")
    with op.batch_alter_table("unmatched_credits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unmatched_credits_status"))

    op.drop_table("unmatched_credits")
