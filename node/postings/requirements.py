"""What a host country requires of a worker posted into it, as the ``posting-answer/1`` says it
(pure: no database, no clock).

The requirements themselves come from the host's payroll plugin
(:meth:`plugins.payroll.contract.Payroll.posting_requirements`): the prior declaration (France's
SIPSI, Belgium's Limosa …), its authority, the documents to keep and the minimum wage.

**Minimum wage for the hours.** Directive 96/71/EC art. 3(1)(c) makes the host's minimum rates
of pay apply to posted workers, so the declared hourly gross is compared with the host's hourly
minimum. When the plugin gives one (France, Germany, the Netherlands …) that figure is used as it
is. When the law sets only a monthly amount (Belgium, Spain; Austria's and Sweden's reference
floors) it is converted, and the answer says so in a ``minimum_wage_converted`` warning::

    hourly minimum = monthly minimum × payments a year / (52 × full-time hours a week)

with the country's statutory full-time week and number of monthly payments from
:data:`WORKING_WEEKS` (each with its source), rounded half-up to the currency's minor unit. A
gross in another currency is converted first by the caller (:mod:`node.postings.host`, at the
node's exchange rate). A country in neither case, or a gross still in another currency than the
minimum, is not compared: ``meets_minimum_wage`` is then false and a
``minimum_wage_not_compared`` warning says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from node.money import minor_exponent
from plugins.payroll.model import MinimumWage, PostingRequirements


@dataclass(frozen=True)
class WorkingWeek:
    """A country's statutory full-time week and how many monthly amounts make a year's pay."""

    hours: Decimal
    payments_per_year: int
    source: str
    effective: date


#: Countries whose payroll plugin gives no hourly minimum (checked by the tests).
WORKING_WEEKS: dict[str, WorkingWeek] = {
    "AT": WorkingWeek(
        Decimal(40),
        14,
        "Arbeitszeitgesetz § 3 (1): normal working week of 40 hours, "
        "https://www.ris.bka.gv.at/GeltendeFassung.wxe?Abfrage=Bundesnormen&Gesetzesnummer=10008238"
        "; the collective agreements behind the reference floor pay it 14 times a year",
        date(1975, 1, 1),
    ),
    "BE": WorkingWeek(
        Decimal(38),
        12,
        "Loi du 16 mars 1971 sur le travail, art. 19: 38 hours a week (since 2003-01-01), "
        "https://www.ejustice.just.fgov.be/eli/loi/1971/03/16/1971031602/justel; the minimum "
        "(CCT n° 43) is a monthly amount",
        date(2003, 1, 1),
    ),
    "ES": WorkingWeek(
        Decimal(40),
        14,
        "Estatuto de los Trabajadores (RDL 2/2015), art. 34.1: 40 hours a week on average over "
        "the year, https://www.boe.es/buscar/act.php?id=BOE-A-2015-11430; the SMI is paid in 14 "
        "payments",
        date(2015, 11, 13),
    ),
    "SE": WorkingWeek(
        Decimal(40),
        12,
        "Arbetstidslag (1982:673) 5 §: ordinary working time of at most 40 hours a week, "
        "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/"
        "arbetstidslag-1982673_sfs-1982-673/; the reference floor is a monthly amount",
        date(1983, 1, 1),
    ),
}
WEEKS_PER_YEAR = 52


@dataclass(frozen=True)
class WageCheck:
    """Whether the hourly gross meets the host's minimum, and the warnings that go with it."""

    meets: bool
    hourly_minimum: Decimal | None
    warnings: tuple[dict[str, str], ...]


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": str(amount), "currency": currency}


def _rounded(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_exponent(currency)), ROUND_HALF_UP)


def hourly_minimum(minimum: MinimumWage, country: str) -> tuple[Decimal | None, str | None]:
    """The hourly minimum, and how it was converted when the plugin gave only a monthly one
    (``None`` for the how when it is the plugin's own figure; ``(None, None)`` when unknown)."""
    if minimum.hourly is not None:
        return minimum.hourly, None
    week = WORKING_WEEKS.get(country)
    if week is None:
        return None, None
    yearly = minimum.monthly * week.payments_per_year
    hourly = _rounded(yearly / (WEEKS_PER_YEAR * week.hours), minimum.currency)
    how = (
        f"The monthly minimum of {minimum.monthly} {minimum.currency} is converted to "
        f"{hourly} {minimum.currency} an hour: {minimum.monthly} × {week.payments_per_year} "
        f"payments / ({WEEKS_PER_YEAR} weeks × {week.hours} hours). {week.source}."
    )
    return hourly, how


def check_wage(minimum: MinimumWage, country: str, gross: Decimal, currency: str) -> WageCheck:
    """Compare the declared hourly ``gross`` with the host's hourly minimum."""
    warnings: list[dict[str, str]] = []
    if not minimum.statutory:
        warnings.append(
            {
                "code": "minimum_wage_not_statutory",
                "text": f"{country} sets no statutory minimum wage: collective agreements do. The "
                f"figure is a published reference floor ({minimum.source}); the applicable "
                "agreement decides.",
            }
        )
    hourly, how = hourly_minimum(minimum, country)
    if how is not None:
        warnings.append({"code": "minimum_wage_converted", "text": how})
    if hourly is None or currency != minimum.currency:
        reason = (
            f"the gross is in {currency}, the minimum in {minimum.currency}"
            if hourly is not None
            else f"no hourly minimum is known for {country}"
        )
        warnings.append(
            {
                "code": "minimum_wage_not_compared",
                "text": f"The hourly gross was not compared with the minimum wage: {reason}.",
            }
        )
        return WageCheck(False, hourly, tuple(warnings))
    meets = gross >= hourly
    if not meets:
        warnings.append(
            {
                "code": "below_minimum_wage",
                "text": f"{gross} {currency} an hour is below {country}'s minimum of {hourly} "
                f"{currency} an hour, which applies to posted workers (Directive 96/71/EC "
                "art. 3(1)(c)).",
            }
        )
    return WageCheck(meets, hourly, tuple(warnings))


def minimum_wage_body(minimum: MinimumWage) -> dict[str, Any]:
    """The minimum wage as the plugin states it (an hourly figure only if the law has one)."""
    body: dict[str, Any] = {
        "monthly": _money(minimum.monthly, minimum.currency),
        "statutory": minimum.statutory,
        "source": minimum.source[:500],
        "effective": minimum.effective.isoformat(),
    }
    if minimum.hourly is not None:
        body["hourly"] = _money(minimum.hourly, minimum.currency)
    return body


def requirements_body(requirements: PostingRequirements) -> dict[str, Any]:
    """The ``requirements`` object of a ``posting-answer/1``."""
    return {
        "country": requirements.country,
        "declaration": requirements.declaration[:500],
        "authority": requirements.authority[:500],
        "minimum_wage": minimum_wage_body(requirements.minimum_wage),
        "documents": [document[:500] for document in requirements.documents[:50]],
        "source": requirements.source[:500],
    }
