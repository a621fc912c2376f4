"""Exchange rates: configured and imported ECB reference rates.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import UTCDateTime

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("quote", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_rates")),
        sa.UniqueConstraint("source", "base", "quote", "day", name="uq_fx_rates_source_pair_day"),
    )
    with op.batch_alter_table("fx_rates", schema=None) as batch_op:
        batch_op.create_index("ix_fx_rates_source_day", ["source", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fx_rates", schema=None) as batch_op:
        batch_op.drop_index("ix_fx_rates_source_day")
    op.drop_table("fx_rates")
