"""Dutch payroll declarations, produced never sent: the eerstedagsmelding with the identity
check before work starts, the monthly aangifte loonheffingen, and what a host country asks of
an employer posting a worker into the Netherlands (``docs/payroll-nl.md`` documents each
payload; they are structured summaries, not the Belastingdienst's XML message).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
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

SCHEMA_DOC = "docs/payroll-nl.md"
COUNTRY = "NL"
#: The employer's premium lines and the aangifte totals they go to.
PREMIUM_TOTALS = {
    "awf": "premie_awf",
    "aof": "premie_aof",
    "wko": "opslag_wko",
    "whk": "premie_whk",
    "zvw_employer": "werkgeversheffing_zvw",
}
IDENTITY_CHECK = (
    "Identify the employee from an original identity document before work starts and keep a "
    "copy in the payroll records (Wet op de loonbelasting 1964 art. 28 lid 1 onderdeel c en "
    "lid 2; Uitvoeringsregeling loonbelasting 2011)",
    "Obtain the BSN and the employee's 'gegevens voor de loonheffingen' (written request "
    "whether to apply the loonheffingskorting)",
    "Check the right to work of a non-EEA/Swiss national (Wet arbeid vreemdelingen)",
)


def first_day_notice(
    employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
) -> PreHireDeclaration:
    """The eerstedagsmelding (Wet op de loonbelasting 1964 art. 28a), due at the latest the
    day before work starts when the Belastingdienst imposed it (``params["first_day_notice"]``;
    there is no general obligation since 2009); otherwise the same identity data, reported in
    the first loonaangifte, with the identity check the law always asks for."""
    if contract.start is None:
        raise PayrollError("a Dutch hire needs the day the work starts (contract.start)")
    if not worker.national_id:
        raise PayrollError("a Dutch hire needs the worker's BSN (burgerservicenummer)")
    required = bool(params.get("first_day_notice"))
    if required and not employer.social_security_id:
        raise PayrollError("an eerstedagsmelding needs the employer's loonheffingennummer")
    payload = {
        "declaration": "EERSTEDAGSMELDING" if required else "IDENTIFICATIE",
        "required": required,
        "employer": {
            "loonheffingennummer": employer.social_security_id,
            "kvk_nummer": employer.company_id,
            "name": employer.name,
        },
        "worker": {
            "bsn": worker.national_id,
            "family_name": worker.family_name,
            "given_name": worker.given_name,
            "birth_date": worker.birth_date.isoformat() if worker.birth_date else None,
        },
        "start_date": contract.start.isoformat(),
        "contract": {
            "kind": contract.kind.value,
            "end_date": contract.end.isoformat() if contract.end else None,
            "written": True,
        },
        "identity_check": list(IDENTITY_CHECK),
    }
    return PreHireDeclaration(
        country=COUNTRY,
        name="Eerstedagsmelding" if required else "Identificatie en loonheffingengegevens",
        due_before=contract.start,
        payload=payload,
        schema=f"{SCHEMA_DOC}#eerstedagsmelding",
    )


def wage_tax_return(
    employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
) -> PeriodicDeclaration:
    """The monthly aangifte loonheffingen: one income relationship (inkomstenverhouding) per
    worker and the collective totals, due by the last day of the next month."""
    totals: dict[str, Decimal] = {
        "loon_lb_ph": ZERO,
        "ingehouden_loonheffing": ZERO,
        **dict.fromkeys(PREMIUM_TOTALS.values(), ZERO),
    }
    relations = []
    for worker, slip in payslips:
        if slip.country != COUNTRY or slip.period != period:
            raise PayrollError(
                f"payslip of {slip.country} {slip.period} in the NL return of {period}"
            )
        relations.append(_relation(worker, slip))
        totals["loon_lb_ph"] += slip.gross
        totals["ingehouden_loonheffing"] += slip.income_tax_withheld
        for line in slip.lines:
            if line.code in PREMIUM_TOTALS:
                totals[PREMIUM_TOTALS[line.code]] += line.employer_amount
    due = totals["ingehouden_loonheffing"] + sum(totals[k] for k in PREMIUM_TOTALS.values())
    payload = {
        "declaration": "AANGIFTE_LOONHEFFINGEN",
        "format": "coopnode-loonaangifte-json/1 (structured summary, not the Belastingdienst XML)",
        "tijdvak": str(period),
        "due_by": _next_month_end(period).isoformat(),
        "employer": {
            "loonheffingennummer": employer.social_security_id,
            "kvk_nummer": employer.company_id,
            "name": employer.name,
        },
        "inkomstenverhoudingen": relations,
        "collectief": {**{k: str(v) for k, v in totals.items()}, "totaal_te_betalen": str(due)},
    }
    return PeriodicDeclaration(
        country=COUNTRY,
        name="Aangifte loonheffingen",
        period=str(period),
        payload=payload,
        schema=f"{SCHEMA_DOC}#aangifte-loonheffingen",
    )


def _relation(worker: Worker, slip: Payslip) -> dict[str, Any]:
    premium_base = next((line.base for line in slip.lines if line.code == "zvw_employer"), ZERO)
    awf = next((line for line in slip.lines if line.code == "awf"), None)
    return {
        "bsn": worker.national_id,
        "member_id": worker.member_id,
        "family_name": worker.family_name,
        "given_name": worker.given_name,
        "loon_lb_ph": str(slip.gross),
        "premieloon_werknemersverzekeringen": str(awf.base if awf else ZERO),
        "bijdrageloon_zvw": str(premium_base),
        "ingehouden_loonheffing": str(slip.income_tax_withheld),
        "loonheffingskorting": bool(slip.params.get("apply_tax_credit", True)),
        "awf_hoog": awf is not None and "premium.awf_high" in awf.sources,
        "premies": {
            line.code: str(line.employer_amount)
            for line in slip.lines
            if line.code in PREMIUM_TOTALS
        },
    }


def _next_month_end(period: Period) -> date:
    """The aangifte and its payment are due by the end of the month after the period."""
    return Period(period.year + period.month // 12, period.month % 12 + 1).end


def posting(wage: MinimumWage) -> PostingRequirements:
    """The Netherlands as host (WagwEU, Directive 96/71/EC as amended by 2018/957)."""
    return PostingRequirements(
        country=COUNTRY,
        declaration="Notification of the posting in the online reporting tool (meldloket) "
        "before the work starts (Wet arbeidsvoorwaarden gedetacheerde werknemers in de EU, "
        "art. 8)",
        authority="Ministerie van Sociale Zaken en Werkgelegenheid (meldloket postedworkers.nl), "
        "enforced by the Nederlandse Arbeidsinspectie",
        minimum_wage=wage,
        documents=(
            "Copy of the notification made in the reporting tool",
            "A1 certificate (social security of the sending country)",
            "Employment contract or equivalent document",
            "Pay slips and proof of payment of the wages for the posting",
            "Time records (start, end and duration of the daily work)",
            "Identity document of the posted worker",
            "Minimum pay and terms of generally binding (algemeen verbindend verklaarde) "
            "collective agreements of the sector, not only the statutory minimum wage",
            "A contact person in the Netherlands named in the notification",
        ),
        source="https://www.postedworkers.nl/",
    )
