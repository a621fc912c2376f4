"""The one place value chains meet exchange rates (:mod:`node.fx`).

Clearing amounts stay in the chain's settlement currency on both sides. The lead node fixes, when
it proposes the chain, the rate for each contributor node whose books are in another currency
(:func:`rate_for`) and sends it with the proposal and every allocation; that node credits its
member's activity with :func:`convert` at exactly that rate, so both sides record the same one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from node.config import Settings
from node.fx.rates import Rate, RateError, convert_minor
from node.fx.service import rate_on


def rate_for(
    session: Session, settings: Settings, base: str, quote: str, day: date
) -> dict[str, str] | None:
    """The rate message converting ``base`` into ``quote`` on ``day``; None for one currency.

    409 (:class:`node.fx.service.FxRateMissing`) when the node has no such rate."""
    if base == quote:
        return None
    return rate_on(session, settings, base, quote, day).as_message()


def convert(amount_minor: int, base: str, quote: str, rate: dict[str, Any] | None) -> int:
    """``amount_minor`` of ``base`` in minor units of ``quote`` at ``rate`` (half up).

    :class:`node.fx.rates.RateError` when the rate is missing or for another pair."""
    if base == quote:
        return amount_minor
    if rate is None:
        raise RateError(f"no {base}/{quote} rate")
    parsed = Rate.from_message(rate)
    if (parsed.base, parsed.quote) != (base, quote):
        raise RateError(f"a {parsed.pair} rate does not convert {base} to {quote}")
    return convert_minor(amount_minor, parsed, base, quote)
