"""Refunds of client over-payments through payouts.

A payout may name the client payment whose over-payment it refunds (``payouts.client_payment_id``);
such a payout is paid out of ``clients:credit_balances`` instead of its activity's budget.

SQLite cannot add a foreign key to an existing table with ``ALTER TABLE``, except inline with the
new column (``ADD COLUMN … REFERENCES``); rebuilding the table instead would delete and re-insert
every payout, which the expenses' foreign keys to payouts refuse on a filled database. So on SQLite
the column is added with its (named) reference inline.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_payouts_client_payment_id_client_payments"
INDEX = "ix_payouts_client_payment_id"


def _sqlite() -> bool:
    return op.get_context().dialect.name == "sqlite"


def upgrade() -> None:
    if _sqlite():
        op.execute(
            f"ALTER TABLE payouts ADD COLUMN client_payment_id INTEGER "
            f"CONSTRAINT {FOREIGN_KEY} REFERENCES client_payments (id)"
        )
    else:
        op.add_column("payouts", sa.Column("client_payment_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            FOREIGN_KEY, "payouts", "client_payments", ["client_payment_id"], ["id"]
        )
    op.create_index(INDEX, "payouts", ["client_payment_id"], unique=False)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="payouts")
    if _sqlite():  # a column with a foreign key cannot be dropped in place: rebuild the table
        with op.batch_alter_table("payouts", schema=None) as batch_op:
            batch_op.drop_column("client_payment_id")
    else:
        op.drop_constraint(FOREIGN_KEY, "payouts", type_="foreignkey")
        op.drop_column("payouts", "client_payment_id")
