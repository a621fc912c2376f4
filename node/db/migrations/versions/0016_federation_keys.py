"""Federation: placeholder, filled in by the change that adds these tables.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26 14:00:00.000000
"""

from collections.abc import Sequence

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
