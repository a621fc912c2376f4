"""Hosting: members of a peer employed here for a mission, and missions hosted by a peer.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-26 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

from node.db.types import UTCDateTime

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _mission_columns(table: str) -> list[SchemaItem]:
    """The columns both sides keep (``node.hosting.models.MissionColumns``)."""
    return [
        sa.Column("hosting", sa.String(length=36), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("request_jti", sa.String(length=64), nullable=False),
        sa.Column("consent_jti", sa.String(length=128), nullable=False),
        sa.Column("home_member_ref", sa.String(length=128), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("mission", sa.JSON(), nullable=False),
        sa.Column("share_back", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("guest_ref", sa.String(length=64), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["federation_peers.id"],
            name=op.f(f"fk_{table}_peer_id_federation_peers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("request_jti", name=op.f(f"uq_{table}_request_jti")),
    ]


def _indexes(table: str, columns: Sequence[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "hosting_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        *_mission_columns("hosting_requests"),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_hosting_requests_member_id_members")
        ),
        sa.UniqueConstraint("hosting", name="uq_hosting_requests_hosting"),
    )
    _indexes("hosting_requests", ("member_id", "peer_id", "state"))
    op.create_table(
        "hosted_missions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("home", sa.String(length=300), nullable=False),
        sa.Column("member_name", sa.String(length=200), nullable=True),
        sa.Column("member_email", sa.String(length=254), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("completed_by", sa.String(length=120), nullable=True),
        *_mission_columns("hosted_missions"),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_hosted_missions_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_hosted_missions_member_id_members")
        ),
        sa.UniqueConstraint("home", "consent_jti", name="uq_hosted_missions_home_consent_jti"),
        sa.UniqueConstraint("home", "hosting", name="uq_hosted_missions_home_hosting"),
    )
    _indexes("hosted_missions", ("activity_id", "member_id", "peer_id", "state"))


def downgrade() -> None:
    op.drop_table("hosted_missions")
    op.drop_table("hosting_requests")
