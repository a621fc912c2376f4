"""Value chains: client projects shared by members of several co-ops, and their allocations.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-26 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import BigIntId, UTCDateTime

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "value_chains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("lead_node", sa.String(length=300), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("client_name", sa.String(length=200), nullable=False),
        sa.Column("client_country", sa.String(length=2), nullable=False),
        sa.Column("client_vat_number", sa.String(length=20), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_kind", sa.String(length=16), nullable=False),
        sa.Column("lead_rate", sa.String(length=16), nullable=True),
        sa.Column("guarantee", sa.String(length=16), nullable=False),
        sa.Column("default_policy", sa.String(length=32), nullable=False),
        sa.Column("own_rate", sa.String(length=16), nullable=True),
        sa.Column("own_fund_points", sa.String(length=16), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("invoice_number", sa.String(length=40), nullable=True),
        sa.Column("invoiced_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("proposal", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_value_chains_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_value_chains_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_value_chains_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_chains")),
        sa.UniqueConstraint("invoice_id", name=op.f("uq_value_chains_invoice_id")),
        sa.UniqueConstraint("uid", name=op.f("uq_value_chains_uid")),
    )
    op.create_table(
        "value_chain_contributors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("node", sa.String(length=300), nullable=False),
        sa.Column("member_ref", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("share_kind", sa.String(length=16), nullable=False),
        sa.Column("share_value", sa.String(length=32), nullable=False),
        sa.Column("full_minor", sa.BigInteger(), nullable=False),
        sa.Column("local", sa.Boolean(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("rate", sa.JSON(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("consent_given_at", UTCDateTime(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("allocated_minor", sa.BigInteger(), nullable=False),
        sa.Column("allocated_net_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_value_chain_contributors_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["chain_id"],
            ["value_chains.id"],
            name=op.f("fk_value_chain_contributors_chain_id_value_chains"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_value_chain_contributors_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_chain_contributors")),
        sa.UniqueConstraint("chain_id", "position", name="uq_value_chain_contributors_position"),
    )
    with op.batch_alter_table("value_chain_contributors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_value_chain_contributors_chain_id"), ["chain_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_value_chain_contributors_member_id"), ["member_id"], unique=False
        )
    op.create_table(
        "value_chain_allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("contributor_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("peer_node", sa.String(length=300), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gross_minor", sa.BigInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("cumulative_minor", sa.BigInteger(), nullable=False),
        sa.Column("local_currency", sa.String(length=3), nullable=True),
        sa.Column("local_amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("rate", sa.JSON(), nullable=True),
        sa.Column("self_billed_number", sa.String(length=40), nullable=True),
        sa.Column("self_billed_on", sa.Date(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("journal_entry_id", BigIntId, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chain_id"],
            ["value_chains.id"],
            name=op.f("fk_value_chain_allocations_chain_id_value_chains"),
        ),
        sa.ForeignKeyConstraint(
            ["contributor_id"],
            ["value_chain_contributors.id"],
            name=op.f("fk_value_chain_allocations_contributor_id_value_chain_contributors"),
        ),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_value_chain_allocations_journal_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_chain_allocations")),
        sa.UniqueConstraint("contributor_id", "seq", name="uq_value_chain_allocations_seq"),
        sa.UniqueConstraint("uid", name=op.f("uq_value_chain_allocations_uid")),
    )
    with op.batch_alter_table("value_chain_allocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_value_chain_allocations_chain_id"), ["chain_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_value_chain_allocations_peer_node"), ["peer_node"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("value_chain_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_value_chain_allocations_peer_node"))
        batch_op.drop_index(batch_op.f("ix_value_chain_allocations_chain_id"))
    op.drop_table("value_chain_allocations")
    with op.batch_alter_table("value_chain_contributors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_value_chain_contributors_member_id"))
        batch_op.drop_index(batch_op.f("ix_value_chain_contributors_chain_id"))
    op.drop_table("value_chain_contributors")
    op.drop_table("value_chains")
