"""German payroll declarations, produced (never sent) as structured JSON in the shape of the
official reports (``docs/payroll-de.md#declarations``):

* before or at the start of work: the **DEÜV Anmeldung** (Meldegrund 10, with the first payroll
  and at the latest six weeks after the start, § 6 DEÜV) or, in the sectors of § 28a Abs. 4
  SGB IV, the **Sofortmeldung** (Meldegrund 20) to the pension insurance, due at the latest when
  work starts;
* each month: the **Beitragsnachweis** to each health fund (Einzugsstelle) with the social
  insurance contributions and levies by Beitragsgruppe, and the **Lohnsteuer-Anmeldung** to the
  tax office (Lohnsteuer, Solidaritätszuschlag, Kirchensteuer; § 41a EStG);
* as host country: the prior report of posted workers (§ 18 AEntG, § 16 MiLoG) in the sectors of
  § 2a SchwarzArbG, and the documents to keep in Germany.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
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

SCHEMA_DOC = "docs/payroll-de.md"
#: Personengruppe 101: sozialversicherungspflichtig Beschäftigte ohne besondere Merkmale.
PERSONENGRUPPE = "101"
#: Beitragsgruppenschlüssel KV-RV-AV-PV: allgemeiner Beitrag, voller Beitrag, voller Beitrag,
#: voller Beitrag.
BEITRAGSGRUPPE = "1111"
#: § 6 DEÜV: the Anmeldung comes with the first payroll, at the latest within six weeks.
REGISTRATION_DELAY = timedelta(weeks=6)
_VSNR = re.compile(r"^\d{8}[A-Z]\d{3}$")

#: Beitragsnachweis: the payslip lines summed into each Beitragsgruppe of the report.
CONTRIBUTION_GROUPS: Mapping[str, str] = {
    "health": "1000 Krankenversicherung (allgemeiner Beitrag und Zusatzbeitrag)",
    "pension": "0100 Rentenversicherung (voller Beitrag)",
    "unemployment": "0010 Arbeitslosenversicherung (voller Beitrag)",
    "care": "0001 Pflegeversicherung (mit Beitragszuschlag für Kinderlose)",
    "levy_insolvency": "0050 Insolvenzgeldumlage",
    "levy_u1": "Umlage U1",
    "levy_u2": "Umlage U2",
    "minijob_health": "6000 Krankenversicherung (Pauschalbeitrag)",
    "minijob_pension": "0100 Rentenversicherung (voller Beitrag)",
    "minijob_pension_flat": "0500 Rentenversicherung (Pauschalbeitrag)",
    "flat_tax": "Einheitliche Pauschsteuer",
}
#: The Einzugsstelle of every Minijob (Deutsche Rentenversicherung Knappschaft-Bahn-See).
MINIJOB_ZENTRALE = "Minijob-Zentrale"


def registration(
    employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
) -> PreHireDeclaration:
    """The DEÜV Anmeldung (Meldegrund 10) or Sofortmeldung (Meldegrund 20) of ``worker``."""
    if contract.start is None:
        raise PayrollError("a DEÜV report needs the day the employment starts (contract.start)")
    if not employer.social_security_id:
        raise PayrollError("a DEÜV report needs the employer's Betriebsnummer (social_security_id)")
    immediate = bool(params["sofortmeldung_sector"])
    insurance_number = worker.national_id if _VSNR.match(worker.national_id) else None
    if insurance_number is None and worker.birth_date is None:
        raise PayrollError(
            "a DEÜV report without the Versicherungsnummer needs the worker's birth date"
        )
    payload: dict[str, Any] = {
        "declaration": "Sofortmeldung" if immediate else "DEÜV-Meldung",
        "meldegrund": "20" if immediate else "10",
        "betriebsnummer": employer.social_security_id,
        "employer_name": employer.name,
        "versicherungsnummer": insurance_number,
        "family_name": worker.family_name,
        "given_name": worker.given_name,
        "birth_date": worker.birth_date.isoformat() if worker.birth_date else None,
        "nationality": worker.nationality or None,
        "address": dict(worker.address),
        "beschaeftigungsbeginn": contract.start.isoformat(),
        "befristet_bis": contract.end.isoformat() if contract.end else None,
    }
    if not immediate:
        payload |= {
            "personengruppe": PERSONENGRUPPE,
            "beitragsgruppe": BEITRAGSGRUPPE,
            "taetigkeitsschluessel": params["activity_code"] or None,
            "einzugsstelle": params["health_fund"] or None,
        }
    return PreHireDeclaration(
        country="DE",
        name="Sofortmeldung" if immediate else "DEÜV-Anmeldung",
        due_before=contract.start if immediate else contract.start + REGISTRATION_DELAY,
        payload=payload,
        schema=f"{SCHEMA_DOC}#pre-hire-declarations",
    )


def monthly(
    employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
) -> PeriodicDeclaration:
    """The month's Beitragsnachweise (one per health fund) and its Lohnsteuer-Anmeldung."""
    by_fund: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    tax = {"lohnsteuer": ZERO, "solidaritaetszuschlag": ZERO, "kirchensteuer": ZERO}
    workers = []
    for worker, slip in payslips:
        if slip.country != "DE" or slip.period != period:
            raise PayrollError(f"payslip of {slip.country} {slip.period} in the DE return {period}")
        fund = by_fund[_einzugsstelle(slip)]
        for line in slip.lines:
            fund[CONTRIBUTION_GROUPS.get(line.code, line.code)] += (
                line.employee_amount + line.employer_amount
            )
        tax["lohnsteuer"] += Decimal(slip.extra["lohnsteuer"])
        tax["solidaritaetszuschlag"] += Decimal(slip.extra["solidarity_surcharge"])
        tax["kirchensteuer"] += Decimal(slip.extra["church_tax"])
        workers.append(_worker(worker, slip))
    contributions = [
        {
            "declaration": "Beitragsnachweis",
            "einzugsstelle": fund or None,
            "beitraege": {group: str(amount) for group, amount in sorted(groups.items())},
            "gesamtsumme": str(sum(groups.values(), ZERO)),
        }
        for fund, groups in sorted(by_fund.items())
    ]
    payload = {
        "format": "coopnode-de-monthly-json/1 (structured summary, not the sv.net/ELSTER files)",
        "month": str(period),
        "employer": {"betriebsnummer": employer.social_security_id, "name": employer.name},
        "beitragsnachweise": contributions,
        "lohnsteuer_anmeldung": {
            "declaration": "Lohnsteuer-Anmeldung",
            "due": _tenth_of_next_month(period).isoformat(),
            "kz86_zahl_der_arbeitnehmer": len(payslips),
            "kz42_lohnsteuer": str(tax["lohnsteuer"]),
            "kz49_solidaritaetszuschlag": str(tax["solidaritaetszuschlag"]),
            "kirchensteuer_kz61_kz62": str(tax["kirchensteuer"]),
            "gesamtbetrag": str(sum(tax.values(), ZERO)),
        },
        "workers": workers,
    }
    return PeriodicDeclaration(
        country="DE",
        name="Beitragsnachweis und Lohnsteuer-Anmeldung",
        period=str(period),
        payload=payload,
        schema=f"{SCHEMA_DOC}#periodic-declarations",
    )


def _einzugsstelle(slip: Payslip) -> str:
    """A Minijob's contributions, levies and flat tax go to the Minijob-Zentrale, the others to
    the worker's health fund."""
    if slip.extra.get("employment") == "minijob":
        return MINIJOB_ZENTRALE
    return str(slip.params.get("health_fund") or "")


def _tenth_of_next_month(period: Period) -> date:
    """§ 41a Abs. 1 EStG: the return is due on the 10th day after the end of the month."""
    return period.end + timedelta(days=10)


def _worker(worker: Worker, slip: Payslip) -> dict[str, Any]:
    return {
        "member_id": worker.member_id,
        "family_name": worker.family_name,
        "given_name": worker.given_name,
        "gross": str(slip.gross),
        "tax_class": slip.params.get("tax_class"),
        "lohnsteuer": slip.extra["lohnsteuer"],
        "solidaritaetszuschlag": slip.extra["solidarity_surcharge"],
        "kirchensteuer": slip.extra["church_tax"],
        "contributions": [
            {
                "code": line.code,
                "base": str(line.base),
                "employee_amount": str(line.employee_amount),
                "employer_amount": str(line.employer_amount),
            }
            for line in slip.lines
        ],
    }


def posting(minimum_wage: MinimumWage) -> PostingRequirements:
    """What Germany asks of an employer posting a worker into it (AEntG, MiLoG)."""
    return PostingRequirements(
        country="DE",
        declaration="Prior report (Anmeldung) of the posted workers before work starts, in the "
        "sectors of § 2a SchwarzArbG (§ 18 AEntG, § 16 MiLoG), through the Meldeportal-Mindestlohn",
        authority="Generalzolldirektion, Finanzkontrolle Schwarzarbeit (FKS)",
        minimum_wage=minimum_wage,
        documents=(
            "A1 certificate (social security of the sending country)",
            "Employment contract or the essential terms (Nachweisgesetz)",
            "Time records: start, end and duration of daily work, kept at least two years "
            "(§ 17 MiLoG, § 19 AEntG)",
            "Pay slips and proof of payment of the wages",
            "These documents in German, kept in Germany for the whole posting",
            "Assurance (Versicherung) that the minimum working conditions are observed",
            "A contact person in Germany named in the report",
        ),
        source="https://www.meldeportal-mindestlohn.de/",
    )
