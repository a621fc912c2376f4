"""Federation: the node's own signing keys, private halves sealed under the key-encryption key.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import UTCDateTime

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "federation_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("sealed_private", sa.String(length=200), nullable=False),
        sa.Column("not_before", UTCDateTime(), nullable=False),
        sa.Column("not_after", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_federation_keys_kid")),
    )
    with op.batch_alter_table("federation_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_federation_keys_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("federation_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_federation_keys_status"))
    op.drop_table("federation_keys")
