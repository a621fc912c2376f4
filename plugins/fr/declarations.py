"""French payroll declarations: the DPAE before work starts, the monthly DSN (as a structured
summary of its blocks, not the NEODeS file) and SIPSI for posted workers. See
``docs/payroll-fr.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from stdnum.exceptions import ValidationError
from stdnum.fr import nir as stdnum_nir
from stdnum.fr import siret as stdnum_siret

from plugins.payroll.model import (
    ZERO,
    Contract,
    ContractKind,
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

COUNTRY = "FR"
DOCS = "docs/payroll-fr.md"
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def dpae(
    employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
) -> PreHireDeclaration:
    """The DPAE (déclaration préalable à l'embauche, C. trav. art. L1221-10 and R1221-1),
    due to the URSSAF before work starts. Produced, never sent.

    ``params`` (all optional): ``start_time`` (``"HH:MM"``, default ``"00:00"``, so the
    declaration is due before the start day), ``birth_place`` (commune), ``birth_department``
    (``"75"``, ``"99"`` abroad), ``birth_country``, ``sex`` (``"1"`` man, ``"2"`` woman, as
    in the NIR), ``probation_days``, ``occupational_health`` (the occupational health service).

    The payload (``schema`` names the docs section)::

        {"format": "coopnode.fr.dpae/1",
         "employer": {"siret", "siren", "name", "urssaf", "address"},
         "employee": {"nir", "family_name", "given_name", "sex", "birth_date",
                      "birth_place", "birth_department", "birth_country", "nationality"},
         "contract": {"start_date", "start_time", "kind": "CDI" | "CDD", "end_date",
                      "work_fraction", "probation_days"},
         "occupational_health": str | None,
         "due_before": "YYYY-MMTHH:MM"}
    """
    if contract.start is None:
        raise PayrollError("the DPAE needs the contract's start date")
    siret = _siret(employer.company_id)
    nir = ""
    if worker.national_id:
        try:
            nir = stdnum_nir.validate(worker.national_id)
        except ValidationError:
            raise PayrollError(f"worker national_id: {worker.national_id!r} is not a NIR") from None
    if not (worker.family_name and worker.given_name):
        raise PayrollError("the DPAE needs the worker's family and given names")
    if worker.birth_date is None:
        raise PayrollError("the DPAE needs the worker's birth date")
    if not nir and not params.get("birth_place"):
        raise PayrollError("the DPAE needs the worker's NIR or birth place")
    start_time = str(params.get("start_time", "00:00"))
    if not _TIME.fullmatch(start_time):
        raise PayrollError(f"param start_time: {start_time!r} is not HH:MM")
    kind = "CDD" if contract.kind == ContractKind.FIXED_TERM else "CDI"
    payload = {
        "format": "coopnode.fr.dpae/1",
        "employer": {
            "siret": siret,
            "siren": siret[:9],
            "name": employer.name,
            "urssaf": employer.social_security_id,
            "address": dict(employer.address),
        },
        "employee": {
            "nir": nir,
            "family_name": worker.family_name,
            "given_name": worker.given_name,
            "sex": params.get("sex", nir[:1] if nir else ""),
            "birth_date": worker.birth_date.isoformat(),
            "birth_place": params.get("birth_place", ""),
            "birth_department": params.get("birth_department", ""),
            "birth_country": params.get("birth_country", ""),
            "nationality": worker.nationality,
        },
        "contract": {
            "start_date": contract.start.isoformat(),
            "start_time": start_time,
            "kind": kind,
            "end_date": contract.end.isoformat() if contract.end else None,
            "work_fraction": str(contract.work_fraction),
            "probation_days": params.get("probation_days"),
        },
        "occupational_health": params.get("occupational_health"),
        "due_before": f"{contract.start.isoformat()}T{start_time}",
    }
    return PreHireDeclaration(
        country=COUNTRY,
        name="DPAE",
        due_before=contract.start,
        payload=payload,
        schema=f"{DOCS}#dpae",
    )


def dsn(
    employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
) -> PeriodicDeclaration:
    """The monthly DSN (déclaration sociale nominative) of ``period`` as a structured
    summary of the blocks it carries per employee — not the flat NEODeS file, which an
    adapter writes from it. Shape (amounts as decimal strings)::

        {"format": "coopnode.fr.dsn/1", "nature": "01" (DSN mensuelle), "period",
         "employer": {"siren", "nic", "siret", "name", "urssaf"},
         "employees": [{
            "member_id", "S21.G00.30": {"nir", "family_name", "given_name", "birth_date"},
            "S21.G00.50": {"001" payment date, "002" net taxable, "004" net paid,
                           "006" PAS rate, "007" rate kind ("01" personal, "13" grid),
                           "009" PAS amount},
            "S21.G00.51": [{"type": "001" gross, "amount"}],
            "S21.G00.78": [{"code": "02" capped | "03" uncapped | "04" CSG
                            | "07" unemployment, "amount"}],
            "S21.G00.81": [{"code": line code, "label", "base", "employee_rate",
                            "employee_amount", "employer_rate", "employer_amount",
                            "sources"}],
            "totals": {...}}],
         "totals": {"gross", "employee_contributions", "employer_contributions",
                    "income_tax_withheld", "by_code": {code: {"employee", "employer"}}}}

    The contributions keep coopnode's stable line codes; mapping them to the DSN's
    individual contribution codes and the URSSAF CTP codes is the adapter's job.
    """
    siret = _siret(employer.company_id)
    employees = []
    by_code: dict[str, list[Decimal]] = {}
    for worker, slip in payslips:
        if slip.country != COUNTRY or slip.period != period:
            raise PayrollError(f"payslip of {slip.country} {slip.period}, not FR {period}")
        contributions = []
        for line in slip.lines:
            sums = by_code.setdefault(line.code, [ZERO, ZERO])
            sums[0] += line.employee_amount
            sums[1] += line.employer_amount
            contributions.append(line.as_dict())
        line_base = {line.code: line.base for line in slip.lines}
        bases = [
            {"code": "02", "amount": str(line_base.get("old_age_capped", ZERO))},
            {"code": "03", "amount": str(line_base.get("old_age_uncapped", ZERO))},
            {"code": "04", "amount": str(line_base.get("csg_deductible", ZERO))},
            {"code": "07", "amount": str(line_base.get("unemployment", ZERO))},
        ]
        personal = slip.extra.get("pas_method") == "personal"
        employees.append(
            {
                "member_id": worker.member_id,
                "S21.G00.30": {
                    "nir": worker.national_id,
                    "family_name": worker.family_name,
                    "given_name": worker.given_name,
                    "birth_date": worker.birth_date.isoformat() if worker.birth_date else None,
                },
                "S21.G00.50": {
                    "001": period.end.isoformat(),
                    "002": slip.extra.get("net_taxable", ""),
                    "004": str(slip.net_pay),
                    "006": slip.extra.get("pas_rate", ""),
                    "007": "01" if personal else "13",
                    "009": str(slip.income_tax_withheld),
                },
                "S21.G00.51": [{"type": "001", "amount": str(slip.gross)}],
                "S21.G00.78": bases,
                "S21.G00.81": contributions,
                "totals": {
                    "gross": str(slip.gross),
                    "employee_contributions": str(slip.employee_contributions),
                    "employer_contributions": str(slip.employer_contributions),
                    "net_before_tax": str(slip.net_before_tax),
                    "employer_cost": str(slip.employer_cost),
                },
            }
        )
    payload = {
        "format": "coopnode.fr.dsn/1",
        "nature": "01",
        "period": str(period),
        "employer": {
            "siren": siret[:9],
            "nic": siret[9:],
            "siret": siret,
            "name": employer.name,
            "urssaf": employer.social_security_id,
        },
        "employees": employees,
        "totals": {
            "gross": str(sum((s.gross for _, s in payslips), ZERO)),
            "employee_contributions": str(
                sum((s.employee_contributions for _, s in payslips), ZERO)
            ),
            "employer_contributions": str(
                sum((s.employer_contributions for _, s in payslips), ZERO)
            ),
            "income_tax_withheld": str(sum((s.income_tax_withheld for _, s in payslips), ZERO)),
            "by_code": {
                code: {"employee": str(sums[0]), "employer": str(sums[1])}
                for code, sums in by_code.items()
            },
        },
    }
    return PeriodicDeclaration(
        country=COUNTRY,
        name="DSN mensuelle",
        period=str(period),
        payload=payload,
        schema=f"{DOCS}#dsn",
    )


def sipsi(minimum_wage: MinimumWage) -> PostingRequirements:
    """What France requires of a worker posted into it: the SIPSI declaration and papers."""
    return PostingRequirements(
        country=COUNTRY,
        declaration="SIPSI: déclaration préalable de détachement, before the posting starts "
        "(C. trav. art. L1262-2-1 and R1263-3), and the designation of a representative "
        "in France",
        authority="Ministère du Travail (inspection du travail), SIPSI portal",
        minimum_wage=minimum_wage,
        documents=(
            "SIPSI declaration receipt (accusé de réception)",
            "A1 certificate of social-security cover",
            "employment contract or letter of posting",
            "payslips for the posting, translated into French",
            "time records: daily start, end and duration of work",
            "proof of payment of wages",
            "work permit for a third-country national, where required",
            "designation of the representative in France",
        ),
        source="https://www.sipsi.travail.gouv.fr/",
    )


def _siret(company_id: str) -> str:
    try:
        return str(stdnum_siret.validate(company_id))
    except ValidationError:
        raise PayrollError(
            f"employer company_id: {company_id!r} is not a SIRET: the declarations name the "
            "establishment, so set node.legal_entity_number to the 14-digit SIRET"
        ) from None
