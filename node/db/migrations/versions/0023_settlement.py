"""Settlement statements between co-ops, the items they settle, reconciliations; settlement
payouts.

A ``settlement`` payout pays a statement's net to a peer co-op out of the clearing payable on it:
``payouts.activity_id`` becomes optional and ``payouts.source_key`` names that account.

SQLite cannot drop a NOT NULL constraint with ``ALTER TABLE``, and rebuilding ``payouts`` is
refused on a filled database (expenses and payslips refer to it, see 0013). SQLite documents the
way for exactly this change, which leaves the stored rows as they are: edit the table's
definition in ``sqlite_schema`` and bump ``schema_version``, in the migration's transaction
(https://www.sqlite.org/lang_altertable.html#otheralter).

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-27 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import BigIntId, UTCDateTime

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_NULL = "activity_id INTEGER NOT NULL"
NULLABLE = "activity_id INTEGER"


def _sqlite() -> bool:
    return op.get_context().dialect.name == "sqlite"


def _sqlite_definition(old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the stored definition of ``payouts`` (once, exactly)."""
    connection = op.get_bind()
    query = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'payouts'"
    sql = connection.exec_driver_sql(query).scalar_one()
    if sql.count(old) != 1:
        raise RuntimeError(f"payouts: expected {old!r} once in its definition")
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'payouts'",
        (sql.replace(old, new),),
    )
    connection.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    connection.exec_driver_sql("PRAGMA writable_schema = OFF")
    if connection.exec_driver_sql("PRAGMA quick_check").scalar_one() != "ok":
        raise RuntimeError("payouts: the database check failed after the change")


def _payouts_up() -> None:
    op.add_column("payouts", sa.Column("source_key", sa.String(length=120), nullable=True))
    if _sqlite():
        _sqlite_definition(NOT_NULL, NULLABLE)
    else:
        op.alter_column("payouts", "activity_id", existing_type=sa.Integer(), nullable=True)


def _payouts_down() -> None:
    orphans = op.get_bind().exec_driver_sql(
        "SELECT count(*) FROM payouts WHERE activity_id IS NULL"
    )
    if orphans.scalar_one():
        raise RuntimeError("settlement payouts exist: they have no activity to go back to")
    if _sqlite():
        _sqlite_definition(NULLABLE + ",", NOT_NULL + ",")
        op.execute("ALTER TABLE payouts DROP COLUMN source_key")
    else:
        op.alter_column("payouts", "activity_id", existing_type=sa.Integer(), nullable=False)
        op.drop_column("payouts", "source_key")


def _statements() -> None:
    op.create_table(
        "settlement_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("peer_node", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("receivable_minor", sa.BigInteger(), nullable=False),
        sa.Column("payable_minor", sa.BigInteger(), nullable=False),
        sa.Column("net_minor", sa.BigInteger(), nullable=False),
        sa.Column("payer", sa.String(length=300), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("pay_to", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("netting_entry_id", BigIntId, nullable=True),
        sa.Column("payout_id", sa.Integer(), nullable=True),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("received_entry_id", BigIntId, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["netting_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_settlement_statements_netting_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"], ["payouts.id"], name=op.f("fk_settlement_statements_payout_id_payouts")
        ),
        sa.ForeignKeyConstraint(
            ["received_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_settlement_statements_received_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_statements")),
        sa.UniqueConstraint("uid", name=op.f("uq_settlement_statements_uid")),
    )
    with op.batch_alter_table("settlement_statements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_settlement_statements_peer_node"), ["peer_node"], unique=False
        )


def _lines_and_items() -> None:
    op.create_table(
        "settlement_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["settlement_statements.id"],
            name=op.f("fk_settlement_lines_statement_id_settlement_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_lines")),
    )
    with op.batch_alter_table("settlement_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_settlement_lines_statement_id"), ["statement_id"], unique=False
        )
    op.create_table(
        "settlement_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=36), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["settlement_statements.id"],
            name=op.f("fk_settlement_items_statement_id_settlement_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_items")),
        sa.UniqueConstraint("item", name=op.f("uq_settlement_items_item")),
    )
    with op.batch_alter_table("settlement_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_settlement_items_statement_id"), ["statement_id"], unique=False
        )


def _reconciliations() -> None:
    op.create_table(
        "settlement_reconciliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("peer_node", sa.String(length=300), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("balanced", sa.Boolean(), nullable=True),
        sa.Column("summary", sa.String(length=200), nullable=True),
        sa.Column("result", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_reconciliations")),
        sa.UniqueConstraint("uid", name=op.f("uq_settlement_reconciliations_uid")),
    )
    with op.batch_alter_table("settlement_reconciliations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_settlement_reconciliations_peer_node"), ["peer_node"], unique=False
        )


def upgrade() -> None:
    _payouts_up()
    _statements()
    _lines_and_items()
    _reconciliations()


def downgrade() -> None:
    with op.batch_alter_table("settlement_reconciliations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_settlement_reconciliations_peer_node"))
    op.drop_table("settlement_reconciliations")
    with op.batch_alter_table("settlement_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_settlement_items_statement_id"))
    op.drop_table("settlement_items")
    with op.batch_alter_table("settlement_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_settlement_lines_statement_id"))
    op.drop_table("settlement_lines")
    with op.batch_alter_table("settlement_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_settlement_statements_peer_node"))
    op.drop_table("settlement_statements")
    _payouts_down()
