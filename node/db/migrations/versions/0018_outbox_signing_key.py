"""Federation: the own key named to sign an outgoing message; member consents and attestations.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-26 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import UTCDateTime

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("federation_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signing_kid", sa.String(length=64), nullable=True))
    op.create_table(
        "federation_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jti", sa.String(length=128), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("audience", sa.String(length=300), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("used_by", sa.String(length=128), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_federation_consents_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_consents")),
        sa.UniqueConstraint("jti", name=op.f("uq_federation_consents_jti")),
    )
    with op.batch_alter_table("federation_consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_federation_consents_member_id"), ["member_id"], unique=False
        )
    op.create_table(
        "federation_attestations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("home", sa.String(length=300), nullable=False),
        sa.Column("request_jti", sa.String(length=64), nullable=False),
        sa.Column("consent_jti", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("allowed_fields", sa.JSON(), nullable=False),
        sa.Column("consent_issued_at", UTCDateTime(), nullable=False),
        sa.Column("consent_expires_at", UTCDateTime(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("in_good_standing", sa.Boolean(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["federation_peers.id"],
            name=op.f("fk_federation_attestations_peer_id_federation_peers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_attestations")),
        sa.UniqueConstraint("request_jti", name=op.f("uq_federation_attestations_request_jti")),
        sa.UniqueConstraint(
            "home", "consent_jti", name="uq_federation_attestations_home_consent_jti"
        ),
    )
    with op.batch_alter_table("federation_attestations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_federation_attestations_peer_id"), ["peer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("federation_attestations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_federation_attestations_peer_id"))
    op.drop_table("federation_attestations")
    with op.batch_alter_table("federation_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_federation_consents_member_id"))
    op.drop_table("federation_consents")
    with op.batch_alter_table("federation_outbox", schema=None) as batch_op:
        batch_op.drop_column("signing_kid")
