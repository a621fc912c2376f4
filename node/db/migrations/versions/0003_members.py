"""Members, capital share movements and clients: the first business tables.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import UTCDateTime

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("home_country", sa.String(2), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("home_node_url", sa.String(255), nullable=True),
        sa.Column("national_id_encrypted", sa.Text(), nullable=True),
        sa.Column("national_id_hash", sa.String(64), nullable=True),
        sa.Column("iban_encrypted", sa.Text(), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("erased_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_members_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("email", name=op.f("uq_members_email")),
        sa.UniqueConstraint("national_id_hash", name=op.f("uq_members_national_id_hash")),
        sa.UniqueConstraint("user_id", name=op.f("uq_members_user_id")),
    )
    op.create_index(op.f("ix_members_status"), "members", ["status"])
    op.create_table(
        "share_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("share_class", sa.String(1), nullable=False),
        sa.Column("movement", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("unit_value_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.CheckConstraint("count > 0", name=op.f("ck_share_transactions_count_positive")),
        sa.CheckConstraint(
            "unit_value_minor > 0", name=op.f("ck_share_transactions_unit_value_positive")
        ),
        sa.CheckConstraint(
            "share_class IN ('A', 'B')", name=op.f("ck_share_transactions_share_class_known")
        ),
        sa.CheckConstraint(
            "movement IN ('subscription', 'redemption')",
            name=op.f("ck_share_transactions_movement_known"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_share_transactions_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_transactions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_share_transactions_idempotency_key")),
    )
    op.create_index(op.f("ix_share_transactions_member_id"), "share_transactions", ["member_id"])
    op.create_index(
        op.f("ix_share_transactions_effective_on"), "share_transactions", ["effective_on"]
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("vat_number", sa.String(20), nullable=True),
        sa.Column("company_id", sa.String(40), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("billing_street", sa.String(200), nullable=False),
        sa.Column("billing_postcode", sa.String(20), nullable=False),
        sa.Column("billing_city", sa.String(100), nullable=False),
        sa.Column("billing_country", sa.String(2), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
    )
    op.create_index(op.f("ix_clients_vat_number"), "clients", ["vat_number"])


def downgrade() -> None:
    op.drop_index(op.f("ix_clients_vat_number"), table_name="clients")
    op.drop_table("clients")
    op.drop_index(op.f("ix_share_transactions_effective_on"), table_name="share_transactions")
    op.drop_index(op.f("ix_share_transactions_member_id"), table_name="share_transactions")
    op.drop_table("share_transactions")
    op.drop_index(op.f("ix_members_status"), table_name="members")
    op.drop_table("members")
