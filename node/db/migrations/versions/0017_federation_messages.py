"""Federation: peers, received messages (inbox), the outbox and the rejection log.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import BigIntId, UTCDateTime

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "federation_peers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("inbox_url", sa.String(length=500), nullable=False),
        sa.Column("jwks", sa.JSON(), nullable=False),
        sa.Column("jwks_fetched_at", UTCDateTime(), nullable=False),
        sa.Column("fingerprint", sa.String(length=43), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("circuit_open_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_peers")),
        sa.UniqueConstraint("node_id", name=op.f("uq_federation_peers_node_id")),
    )
    op.create_table(
        "federation_inbox",
        sa.Column("id", BigIntId, nullable=False),
        sa.Column("iss", sa.String(length=300), nullable=False),
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("body_digest", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("receipt_token", sa.Text(), nullable=False),
        sa.Column("receipt", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_inbox")),
        sa.UniqueConstraint("iss", "jti", name="uq_federation_inbox_iss_jti"),
    )
    with op.batch_alter_table("federation_inbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_federation_inbox_received_at"), ["received_at"], unique=False
        )
    op.create_table(
        "federation_outbox",
        sa.Column("id", BigIntId, nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("receipt", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["federation_peers.id"],
            name=op.f("fk_federation_outbox_peer_id_federation_peers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_outbox")),
        sa.UniqueConstraint("jti", name=op.f("uq_federation_outbox_jti")),
        sa.UniqueConstraint(
            "peer_id", "conversation", "seq", name="uq_federation_outbox_peer_id_conversation_seq"
        ),
    )
    with op.batch_alter_table("federation_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_federation_outbox_peer_id"), ["peer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_federation_outbox_state"), ["state"], unique=False)
    op.create_table(
        "federation_rejections",
        sa.Column("id", BigIntId, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("remote", sa.String(length=100), nullable=True),
        sa.Column("claimed_iss", sa.String(length=300), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_rejections")),
    )


def downgrade() -> None:
    op.drop_table("federation_rejections")
    with op.batch_alter_table("federation_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_federation_outbox_state"))
        batch_op.drop_index(batch_op.f("ix_federation_outbox_peer_id"))
    op.drop_table("federation_outbox")
    with op.batch_alter_table("federation_inbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_federation_inbox_received_at"))
    op.drop_table("federation_inbox")
    op.drop_table("federation_peers")
