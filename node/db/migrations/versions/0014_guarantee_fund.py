"""The salary guarantee fund: covered invoices, clients' standing, write-offs and recoveries.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import UTCDateTime

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRY_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("guarantee", sa.String(length=16), server_default="standard", nullable=False)
        )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("guarantee_covered", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "guarantee_write_offs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("written_off_on", sa.Date(), nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("journal_entry_id", ENTRY_ID, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_guarantee_write_offs_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_guarantee_write_offs_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_guarantee_write_offs_journal_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee_write_offs")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_guarantee_write_offs_idempotency_key")
        ),
        sa.UniqueConstraint("invoice_id", name=op.f("uq_guarantee_write_offs_invoice_id")),
    )
    with op.batch_alter_table("guarantee_write_offs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guarantee_write_offs_activity_id"), ["activity_id"], unique=False
        )
    op.create_table(
        "guarantee_recoveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("write_off_id", sa.Integer(), nullable=False),
        sa.Column("client_payment_id", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_payment_id"],
            ["client_payments.id"],
            name=op.f("fk_guarantee_recoveries_client_payment_id_client_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["write_off_id"],
            ["guarantee_write_offs.id"],
            name=op.f("fk_guarantee_recoveries_write_off_id_guarantee_write_offs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee_recoveries")),
        sa.UniqueConstraint(
            "client_payment_id", name=op.f("uq_guarantee_recoveries_client_payment_id")
        ),
    )
    with op.batch_alter_table("guarantee_recoveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guarantee_recoveries_write_off_id"), ["write_off_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("guarantee_recoveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guarantee_recoveries_write_off_id"))
    op.drop_table("guarantee_recoveries")
    with op.batch_alter_table("guarantee_write_offs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guarantee_write_offs_activity_id"))
    op.drop_table("guarantee_write_offs")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("guarantee_covered")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("guarantee")
