"""Belgian payroll declarations: the Dimona before work starts, the DmfA of each quarter (one
month of it at a time, as structured JSON, not the ONSS XML), and Limosa for posted workers.
See ``docs/payroll-be.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from plugins.payroll.model import (
    ZERO,
    Contract,
    Employer,
    MinimumWage,
    PayrollError,
    Payslip,
    Period,
    PeriodicDeclaration,
    PostingRequirements,
    PreHireDeclaration,
    Worker,
)

COUNTRY = "BE"
SCHEMA_DOC = "docs/payroll-be.md"


def dimona_in(
    employer: Employer, worker: Worker, contract: Contract, checked: Mapping[str, Any]
) -> PreHireDeclaration:
    """Dimona IN (``docs/payroll-be.md#dimona-in``), from checked params: due before work
    starts."""
    if contract.start is None:
        raise PayrollError("a Dimona needs the day the work starts (contract.start)")
    if not employer.social_security_id and not employer.company_id:
        raise PayrollError("a Dimona needs the employer's ONSS number or enterprise number")
    if not worker.national_id:
        raise PayrollError("a Dimona needs the worker's INSZ/NISS (national or bis number)")
    payload = {
        "declaration": "DIMONA_IN",
        "employer": {
            "onss_number": employer.social_security_id,
            "enterprise_number": employer.company_id,
            "name": employer.name,
        },
        "worker": {
            "inss": worker.national_id,
            "family_name": worker.family_name,
            "given_name": worker.given_name,
            "birth_date": worker.birth_date.isoformat() if worker.birth_date else None,
        },
        "occupation": {
            "start_date": contract.start.isoformat(),
            "end_date": contract.end.isoformat() if contract.end else None,
            "worker_type": checked["dimona_worker_type"],
            "joint_committee": checked["joint_committee"],
        },
    }
    return PreHireDeclaration(
        country=COUNTRY,
        name="Dimona IN",
        due_before=contract.start,
        payload=payload,
        schema=f"{SCHEMA_DOC}#dimona-in",
    )


def dmfa_month(
    employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
) -> PeriodicDeclaration:
    """The month's part of the quarterly DmfA, as structured JSON (not the official XML;
    ``docs/payroll-be.md#dmfa``)."""
    quarter = (period.month - 1) // 3 + 1
    workers = []
    totals: dict[str, Decimal] = {
        "remuneration": ZERO,
        "employee_contributions": ZERO,
        "employer_contributions": ZERO,
        "reductions": ZERO,
        "special_social_security": ZERO,
        "withholding_tax": ZERO,
    }
    for worker, slip in payslips:
        if slip.country != COUNTRY or slip.period != period:
            raise PayrollError(
                f"payslip of {slip.country} {slip.period} in the BE DmfA of {period}"
            )
        workers.append(_dmfa_worker(worker, slip))
        for line in slip.lines:
            if line.code in REDUCTION_CODES:
                totals["reductions"] += -(line.employee_amount + line.employer_amount)
            elif line.code == "special_social_security":
                totals["special_social_security"] += line.employee_amount
            else:
                totals["employee_contributions"] += line.employee_amount
                totals["employer_contributions"] += line.employer_amount
        totals["remuneration"] += slip.gross
        totals["withholding_tax"] += slip.income_tax_withheld
    payload = {
        "declaration": "DMFA",
        "format": "coopnode-dmfa-json/1 (structured summary, not the ONSS XML schema)",
        "quarter": f"{period.year}-{quarter}",
        "month": str(period),
        "employer": {
            "onss_number": employer.social_security_id,
            "enterprise_number": employer.company_id,
            "name": employer.name,
            "category": "010",
        },
        "workers": workers,
        "totals": {k: str(v) for k, v in totals.items()},
    }
    return PeriodicDeclaration(
        country=COUNTRY,
        name="DmfA",
        period=f"{period.year}-Q{quarter}",
        payload=payload,
        schema=f"{SCHEMA_DOC}#dmfa",
    )


def limosa(minimum_wage: MinimumWage) -> PostingRequirements:
    """What Belgium requires of a worker posted into it: the Limosa declaration and papers."""
    return PostingRequirements(
        country=COUNTRY,
        declaration="Limosa declaration (L1) before the posted worker starts",
        authority="ONSS / RSZ (Limosa), checked by the Social Information and Investigation "
        "Service (SIRS / SIOD)",
        minimum_wage=minimum_wage,
        documents=(
            "Limosa-1 certificate (L1) of the declaration",
            "A1 certificate (social security of the sending country)",
            "Employment contract or equivalent document (Directive 91/533/EEC)",
            "Pay slips and proof of payment of the wages for the posting",
            "Time records (start, end and duration of the daily work)",
            "Minimum pay and conditions of the Belgian joint committee of the work "
            "(sector minimum wages, not only the national RMMMG)",
            "A contact person in Belgium designated in the Limosa declaration",
        ),
        source="https://www.international.socialsecurity.be/working_in_belgium/fr/limosa.html",
    )


REDUCTION_CODES = frozenset({"work_bonus_a", "work_bonus_b", "structural_reduction"})
DMFA_WORKER_CODES = {"white_collar": "495", "blue_collar": "015"}


def _dmfa_worker(worker: Worker, slip: Payslip) -> dict[str, Any]:
    manual = slip.params.get("category") == "blue_collar" or bool(slip.params.get("arts_worker"))
    holiday = slip.params.get("payslip_kind") == "double_holiday_pay"
    contributions: list[dict[str, str]] = []
    reductions: list[dict[str, str]] = []
    for line in slip.lines:
        entry = {
            "code": line.code,
            "base": str(line.base),
            "employee_amount": str(line.employee_amount),
            "employer_amount": str(line.employer_amount),
        }
        (reductions if line.code in REDUCTION_CODES else contributions).append(entry)
    remuneration = (
        []
        if holiday
        else [
            {
                "remuneration_code": "1",
                "amount": str(slip.gross),
                "declared_at": "108%" if manual else "100%",
                "onss_base": slip.extra.get("onss_base", str(slip.gross)),
            }
        ]
    )
    return {
        "inss": worker.national_id,
        "member_id": worker.member_id,
        "family_name": worker.family_name,
        "given_name": worker.given_name,
        "worker_code": DMFA_WORKER_CODES["blue_collar" if manual else "white_collar"],
        "joint_committee": slip.params.get("joint_committee", ""),
        "payslip_kind": slip.params.get("payslip_kind", "monthly"),
        "remuneration": remuneration,
        "contributions": contributions,
        "reductions": reductions,
        "withholding_tax": str(slip.income_tax_withheld),
    }
