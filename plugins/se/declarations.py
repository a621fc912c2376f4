"""Swedish payroll declarations, produced never sent: the (absent) pre-hire declaration, the
monthly AGI and the posting requirements (``docs/payroll-se.md``).

* **Before hiring**: no declaration per worker. The employer registers once as an employer
  with Skatteverket before paying its first salary; some sectors (restaurants, hairdressing,
  construction …) keep a staff register (personalliggare) on site.
* **Every month**: the arbetsgivardeklaration på individnivå (AGI, SFL 26 kap.), due on the
  12th of the following month (the 17th in January and August for small employers): one
  huvuduppgift of the employer and one individuppgift per payee, their fields named by
  Skatteverket's field codes (fältkoder). Amounts are whole kronor, öre left out.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from plugins.se.tax import floor

SCHEMA_DOC = "docs/payroll-se.md"
AGI_FORMAT = "coopnode-agi-json/1 (AGI fields keyed by their field codes; not the XML schema)"


def pre_hire(employer: Employer, worker: Worker, contract: Contract) -> PreHireDeclaration:
    """No pre-hire declaration exists in Sweden: the record says so and names the one-off
    employer registration due before the first salary."""
    if contract.start is None:
        raise PayrollError("the hire record needs the day the work starts (contract.start)")
    payload = {
        "declaration": "NONE",
        "required": False,
        "explanation": "Sweden has no declaration per hire; the worker first appears in the "
        "employer's AGI of the month they are paid.",
        "employer_registration": {
            "name": "Registrering som arbetsgivare (Skatteverket, Skatte- och avgiftsanmälan "
            "SKV 4620)",
            "due": "before the first salary is paid",
            "organisationsnummer": employer.company_id,
        },
        "personalliggare": "In the sectors of SFL 39 kap. 11 § (restaurants, hairdressing, "
        "construction, car washes, laundries, tobacco and food wholesale …) the employer keeps "
        "an electronic staff register on site.",
        "worker": {
            "personnummer": worker.national_id,
            "family_name": worker.family_name,
            "given_name": worker.given_name,
            "start_date": contract.start.isoformat(),
            "end_date": contract.end.isoformat() if contract.end else None,
        },
    }
    return PreHireDeclaration(
        country="SE",
        name="None required (employer registration with Skatteverket)",
        due_before=contract.start,
        payload=payload,
        schema=f"{SCHEMA_DOC}#before-hiring",
    )


def agi(
    employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
) -> PeriodicDeclaration:
    """The AGI of ``period``: huvuduppgift and individuppgifter, by field code."""
    if not employer.company_id:
        raise PayrollError("an AGI needs the employer's organisationsnummer (company_id)")
    individuals = []
    contributions = ZERO
    withheld = ZERO
    for number, (worker, slip) in enumerate(payslips, start=1):
        if slip.country != "SE" or slip.period != period:
            raise PayrollError(f"payslip of {slip.country} {slip.period} in the SE AGI of {period}")
        individuals.append(_individual(number, worker, slip))
        contributions += slip.employer_contributions
        withheld += slip.income_tax_withheld
    payload: dict[str, Any] = {
        "declaration": "AGI",
        "format": AGI_FORMAT,
        "huvuduppgift": {
            "201": employer.company_id,  # arbetsgivarens registreringsnummer
            "006": f"{period.year:04d}{period.month:02d}",  # redovisningsperiod
            "487": _kronor(contributions),  # summa arbetsgivaravgifter och SLF
            "497": _kronor(withheld),  # summa skatteavdrag
        },
        "individuppgifter": individuals,
    }
    return PeriodicDeclaration(
        country="SE",
        name="Arbetsgivardeklaration på individnivå (AGI)",
        period=str(period),
        payload=payload,
        schema=f"{SCHEMA_DOC}#agi",
    )


def _individual(number: int, worker: Worker, slip: Payslip) -> dict[str, Any]:
    if not worker.national_id:
        raise PayrollError(
            f"member {worker.member_id}: an AGI individuppgift needs the personnummer or "
            "samordningsnummer (national_id)"
        )
    fields: dict[str, Any] = {
        "570": str(number),  # specifikationsnummer
        "215": worker.national_id.replace("-", ""),  # betalningsmottagarens id
        "011": _kronor(slip.gross),  # kontant bruttolön m.m.
        "001": _kronor(slip.income_tax_withheld),  # avdragen preliminärskatt
    }
    return {
        "member_id": worker.member_id,
        "family_name": worker.family_name,
        "given_name": worker.given_name,
        "fields": fields,
    }


def _kronor(amount: Decimal) -> int:
    """Whole kronor, öre left out (the AGI's rule for every amount)."""
    return int(floor(amount))


def posting(minimum: MinimumWage) -> PostingRequirements:
    """Sweden as host (lag (1999:678) om utstationering av arbetstagare)."""
    return PostingRequirements(
        country="SE",
        declaration="Anmälan om utstationering to Arbetsmiljöverket no later than the day the "
        "posted work starts, with a contact person in Sweden",
        authority="Arbetsmiljöverket (Swedish Work Environment Authority)",
        minimum_wage=minimum,
        documents=(
            "Receipt of the posting notification (anmälan om utstationering)",
            "A contact person in Sweden able to receive documents for the employer",
            "A1 certificate (social security of the sending country)",
            "Employment contract, pay slips, proof of payment and time records, kept available "
            "through the contact person",
            "Pay and conditions of the relevant Swedish collective agreement where a union "
            "demands them (no statutory minimum wage)",
        ),
        source="https://www.av.se/",
    )
