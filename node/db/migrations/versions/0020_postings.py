"""Cross-border postings: missions of members posted to another country.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-26 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import UTCDateTime

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member_postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("host_node", sa.String(length=300), nullable=False),
        sa.Column("host_country", sa.String(length=2), nullable=False),
        sa.Column("member_ref", sa.String(length=128), nullable=False),
        sa.Column("a1_reference", sa.String(length=100), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("client_name", sa.String(length=200), nullable=False),
        sa.Column("client_country", sa.String(length=2), nullable=False),
        sa.Column("place_address", sa.String(length=500), nullable=False),
        sa.Column("place_postal_code", sa.String(length=20), nullable=True),
        sa.Column("place_city", sa.String(length=200), nullable=False),
        sa.Column("hours_per_week", sa.String(length=12), nullable=False),
        sa.Column("hourly_gross_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("activity", sa.String(length=500), nullable=True),
        sa.Column("home_pay", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("notice_jti", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_member_postings_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["federation_peers.id"],
            name=op.f("fk_member_postings_peer_id_federation_peers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_postings")),
        sa.UniqueConstraint("notice_jti", name=op.f("uq_member_postings_notice_jti")),
        sa.UniqueConstraint("uuid", name=op.f("uq_member_postings_uuid")),
    )
    with op.batch_alter_table("member_postings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_member_postings_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_member_postings_peer_id"), ["peer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_postings_state"), ["state"], unique=False)
    op.create_table(
        "posting_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("home_node", sa.String(length=300), nullable=False),
        sa.Column("posting_uuid", sa.String(length=36), nullable=False),
        sa.Column("member_ref", sa.String(length=128), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("notice_jti", sa.String(length=128), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["federation_peers.id"],
            name=op.f("fk_posting_notices_peer_id_federation_peers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posting_notices")),
        sa.UniqueConstraint(
            "home_node", "posting_uuid", name="uq_posting_notices_home_node_posting"
        ),
    )
    with op.batch_alter_table("posting_notices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_posting_notices_home_node_member_ref", ["home_node", "member_ref"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_posting_notices_peer_id"), ["peer_id"], unique=False)
    op.create_table(
        "posting_host_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posting_host_profile")),
    )


def downgrade() -> None:
    op.drop_table("posting_host_profile")
    with op.batch_alter_table("posting_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posting_notices_peer_id"))
        batch_op.drop_index("ix_posting_notices_home_node_member_ref")
    op.drop_table("posting_notices")
    with op.batch_alter_table("member_postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_postings_state"))
        batch_op.drop_index(batch_op.f("ix_member_postings_peer_id"))
        batch_op.drop_index(batch_op.f("ix_member_postings_member_id"))
    op.drop_table("member_postings")
