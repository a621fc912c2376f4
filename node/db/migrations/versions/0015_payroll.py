"""Payroll: profiles, employment contracts, salary requests, payslips; salary payouts' charges.

A salary payout keeps its net pay in ``payouts.amount_minor`` and gains what it charges to the
budget in all (``budget_charge_minor``) and the liabilities charged with it (``charges``). Both
columns are plain additions (``ALTER TABLE … ADD COLUMN`` on every engine, no table rebuild).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from node.db.types import UTCDateTime

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _indexes(table: str, columns: Sequence[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _drop_indexes(table: str, columns: Sequence[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))


CONTRACT_INDEXES = ("activity_id", "member_id")
REQUEST_INDEXES = ("activity_id", "contract_id", "member_id", "period", "status")
PAYSLIP_INDEXES = ("activity_id", "member_id", "payout_id", "period", "request_id")


def upgrade() -> None:
    op.create_table(
        "payroll_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_payroll_profiles_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payroll_profiles")),
        sa.UniqueConstraint("member_id", name=op.f("uq_payroll_profiles_member_id")),
    )
    op.create_table(
        "employment_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("work_fraction", sa.String(length=12), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("hours", sa.String(length=12), nullable=True),
        sa.Column("place_of_work", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("pre_hire", sa.JSON(), nullable=False),
        sa.Column("declared_by", sa.String(length=120), nullable=False),
        sa.Column("declared_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_employment_contracts_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_employment_contracts_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employment_contracts")),
    )
    _indexes("employment_contracts", CONTRACT_INDEXES)
    op.create_table(
        "salary_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("hours", sa.String(length=12), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_salary_requests_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["employment_contracts.id"],
            name=op.f("fk_salary_requests_contract_id_employment_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_salary_requests_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_salary_requests")),
        sa.UniqueConstraint("contract_id", "period", name="uq_salary_requests_contract_period"),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_salary_requests_idempotency_key")),
    )
    _indexes("salary_requests", REQUEST_INDEXES)
    op.create_table(
        "payslips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gross_minor", sa.BigInteger(), nullable=False),
        sa.Column("employee_contributions_minor", sa.BigInteger(), nullable=False),
        sa.Column("employer_contributions_minor", sa.BigInteger(), nullable=False),
        sa.Column("income_tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("net_pay_minor", sa.BigInteger(), nullable=False),
        sa.Column("employer_cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("payout_id", sa.Integer(), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_payslips_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["employment_contracts.id"],
            name=op.f("fk_payslips_contract_id_employment_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"], ["payslips.id"], name=op.f("fk_payslips_corrects_id_payslips")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_payslips_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"], ["payouts.id"], name=op.f("fk_payslips_payout_id_payouts")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["salary_requests.id"],
            name=op.f("fk_payslips_request_id_salary_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payslips")),
        sa.UniqueConstraint(
            "contract_id", "period", "sequence", name="uq_payslips_contract_period_sequence"
        ),
    )
    _indexes("payslips", PAYSLIP_INDEXES)
    op.add_column("payouts", sa.Column("budget_charge_minor", sa.BigInteger(), nullable=True))
    op.add_column("payouts", sa.Column("charges", sa.JSON(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ drops a column without constraints in place (no table rebuild).
    op.drop_column("payouts", "charges")
    op.drop_column("payouts", "budget_charge_minor")
    _drop_indexes("payslips", PAYSLIP_INDEXES)
    op.drop_table("payslips")
    _drop_indexes("salary_requests", REQUEST_INDEXES)
    op.drop_table("salary_requests")
    _drop_indexes("employment_contracts", CONTRACT_INDEXES)
    op.drop_table("employment_contracts")
    op.drop_table("payroll_profiles")
