"""Austrian declarations in their documented shape, produced and never sent: the ELDA
Anmeldung before work starts, the monthly Beitragsgrundlagenmeldung (mBGM), and what a host
country requires of a posting employer (ZKO 3 under the LSD-BG).

The payloads are structured JSON naming the fields of the ÖGK's documents; they are not the
ELDA record format itself, which an adapter plugin writes (``docs/payroll-at.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from plugins.at.payslip import UNEMPLOYMENT_REDUCTIONS
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

SCHEMA_DOC = "docs/payroll-at.md"
GROUPS = {"white_collar": "Angestellte", "blue_collar": "Arbeiter"}


def elda_registration(
    employer: Employer, worker: Worker, contract: Contract, p: Mapping[str, Any]
) -> PreHireDeclaration:
    """The Anmeldung (§ 33 ASVG): due before the worker starts, through ELDA."""
    if contract.start is None:
        raise PayrollError("an ELDA Anmeldung needs the day the work starts (contract.start)")
    if not employer.social_security_id:
        raise PayrollError("an ELDA Anmeldung needs the employer's Beitragskontonummer")
    if not worker.national_id and worker.birth_date is None:
        raise PayrollError("an ELDA Anmeldung needs the worker's VSNR or birth date")
    full_time = contract.work_fraction == 1
    payload = {
        "declaration": "ELDA_ANMELDUNG",
        "format": "coopnode-elda-json/1 (structured summary, not the ELDA record format)",
        "employer": {
            "beitragskontonummer": employer.social_security_id,
            "name": employer.name,
            "firmenbuchnummer": employer.company_id,
        },
        "insured": {
            "versicherungsnummer": worker.national_id or None,
            "familienname": worker.family_name,
            "vorname": worker.given_name,
            "geburtsdatum": worker.birth_date.isoformat() if worker.birth_date else None,
            "staatsangehoerigkeit": worker.nationality or None,
        },
        "employment": {
            "beschaeftigungsbeginn": contract.start.isoformat(),
            "befristet_bis": contract.end.isoformat() if contract.end else None,
            "beschaeftigtengruppe": GROUPS[p["category"]],
            "arbeitszeit": "Vollzeit" if full_time else "Teilzeit",
            "teilzeit_anteil": None if full_time else str(contract.work_fraction),
            "bv_beginn": _second_month(contract.start).isoformat(),
            "dienstort_bundesland": p["state"],
        },
    }
    return PreHireDeclaration(
        country="AT",
        name="ELDA Anmeldung",
        due_before=contract.start,
        payload=payload,
        schema=f"{SCHEMA_DOC}#elda-anmeldung",
    )


def _second_month(start: date) -> date:
    """BV contributions start with the second month of employment (§ 6 Abs. 1 BMSVG)."""
    return (start.replace(day=1) + timedelta(days=32)).replace(day=1)


def monthly_contribution_report(
    employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
) -> PeriodicDeclaration:
    """The mBGM of ``period`` (§ 34 ASVG): one per insured person, due by the 15th of the
    next month, with the totals the employer pays to the ÖGK."""
    insured = []
    totals = {"beitragsgrundlage": ZERO, "sonderzahlungen": ZERO, "beitraege": ZERO}
    for worker, slip in payslips:
        if slip.country != "AT" or slip.period != period:
            raise PayrollError(
                f"payslip of {slip.country} {slip.period} in the AT mBGM of {period}"
            )
        entry = _insured(worker, slip)
        insured.append(entry)
        totals["beitragsgrundlage"] += Decimal(entry["beitragsgrundlage_laufend"])
        totals["sonderzahlungen"] += Decimal(entry["beitragsgrundlage_sonderzahlung"])
        totals["beitraege"] += Decimal(entry["beitraege_gesamt"])
    due = (period.end + timedelta(days=1)).replace(day=15)
    payload = {
        "declaration": "MBGM",
        "format": "coopnode-mbgm-json/1 (structured summary, not the ELDA record format)",
        "beitragszeitraum": str(period),
        "faellig_bis": due.isoformat(),
        "employer": {
            "beitragskontonummer": employer.social_security_id,
            "name": employer.name,
        },
        "versicherte": insured,
        "summen": {k: str(v) for k, v in totals.items()},
    }
    return PeriodicDeclaration(
        country="AT",
        name="mBGM",
        period=str(period),
        payload=payload,
        schema=f"{SCHEMA_DOC}#mbgm",
    )


def _insured(worker: Worker, slip: Payslip) -> dict[str, Any]:
    regular = next((line for line in slip.lines if line.code == "kv"), None)
    marginal = slip.extra.get("marginal_employment") == "1"
    special = next((line for line in slip.lines if line.code in {"kv_sz", "uv_sz"}), None)
    if marginal:
        regular = next(line for line in slip.lines if line.code == "uv")
    social = [line for line in slip.lines if line.code not in {"bv", "db", "dz", "kommst"}]
    contributions = sum((ln.employee_amount + ln.employer_amount for ln in social), ZERO)
    band = int(slip.extra.get("unemployment_band", "3"))
    group = GROUPS.get(str(slip.params.get("category", "white_collar")), "Angestellte")
    return {
        "versicherungsnummer": worker.national_id,
        "member_id": worker.member_id,
        "familienname": worker.family_name,
        "vorname": worker.given_name,
        "tarifblock": {
            "beschaeftigtengruppe": f"{group} geringfügig" if marginal else group,
            "abschlaege": [] if marginal or band >= 3 else [UNEMPLOYMENT_REDUCTIONS[band]],
            "zuschlaege": [],
        },
        "beitragsgrundlage_laufend": str(regular.base if regular else ZERO),
        "beitragsgrundlage_sonderzahlung": str(special.base if special else ZERO),
        "bv_beitragsgrundlage": str(slip.gross),
        "bv_beitrag": str(sum((ln.employer_amount for ln in slip.lines if ln.code == "bv"), ZERO)),
        "beitraege_gesamt": str(contributions),
    }


def posting_requirements(minimum: MinimumWage) -> PostingRequirements:
    """Austria as host (LSD-BG, implementing Directives 96/71/EC and 2014/67/EU)."""
    return PostingRequirements(
        country="AT",
        declaration="ZKO 3 notification (Meldung einer Entsendung) before the work starts",
        authority="Zentrale Koordinationsstelle (ZKO) of the Bundesministerium für Finanzen; "
        "wage checks by the ÖGK / BUAK (Lohn- und Sozialdumping-Bekämpfungsgesetz)",
        minimum_wage=minimum,
        documents=(
            "Copy of the ZKO 3 notification",
            "A1 certificate (social security of the sending country)",
            "Employment contract or Dienstzettel",
            "Payslips, proof of wage payment and time records, in German (§ 22 LSD-BG)",
            "Documents on the wage classification under the applicable Austrian "
            "Kollektivvertrag (the collective minimum pay applies, not a statutory one)",
            "Official authorisation for workers from third countries, where required",
        ),
        source="https://www.ris.bka.gv.at/GeltendeFassung.wxe?Abfrage=Bundesnormen&Gesetzesnummer=20009555",
    )
