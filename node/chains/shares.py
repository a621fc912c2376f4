"""How a value chain's amount is shared out (pure: no database).

* :func:`split` — the chain's amount (excluding VAT, minor units) among its contributors: fixed
  amounts first, then the rest by percents that sum to exactly 100, each rounded down to the
  cent and the cents left over given one by one to the largest remainders (ties: the earlier
  contributor), so the shares always sum to the amount and the same input gives the same split.
* :func:`due_so_far` — how much of each full share is due once part of the invoice is paid:
  ``floor(share × received / whole)``, the full share once everything is received. Rounding
  down keeps each contributor's cumulative figure monotone as payments come in (largest
  remainder would not: it can take a cent back from someone when the total grows), and the sum
  equals the full shares to the cent when the invoice is fully paid; until then the cents not
  yet handed out stay with the lead node's chain activity.
* :func:`taken` — a node's contribution on a cumulative amount, and the guarantee fund's part
  of it (the invoice rules of :func:`node.invoices.postings.contribution_of`). Allocations
  compute every figure from cumulative amounts and post the difference to what was posted
  before, so a repeated or resumed allocation can never post a cent twice.
* :class:`FeePolicy` — which node takes which contribution: ``each_node`` (the lead node takes
  its own rate from its own members' shares, each other node takes its own from its members'
  shares when they arrive) or ``lead_node`` (the lead node takes ``lead_rate`` from every share
  and the other nodes take nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from node.invoices.postings import contribution_of
from node.money import MoneyError, to_minor

HUNDRED = Decimal(100)


class ShareError(ValueError):
    """Shares that cannot split the amount; ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ShareKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


class FeeKind(StrEnum):
    EACH_NODE = "each_node"
    LEAD_NODE = "lead_node"


@dataclass(frozen=True)
class Share:
    """A contributor's share: a percent of what the fixed shares leave, or a fixed amount."""

    kind: ShareKind
    value: Decimal


def _fixed_minor(share: Share, currency: str, index: int) -> int:
    try:
        minor = to_minor(share.value, currency)
    except MoneyError as exc:
        raise ShareError(f"contributors.{index}.share.value", str(exc)) from None
    if minor <= 0:
        raise ShareError(f"contributors.{index}.share.value", "A fixed share must be positive.")
    return minor


def split(amount_minor: int, shares: Sequence[Share], currency: str) -> list[int]:
    """Each contributor's full share of ``amount_minor``, in the order given."""
    if amount_minor <= 0:
        raise ShareError("amount", "The amount must be positive.")
    if not shares:
        raise ShareError("contributors", "A chain needs at least one contributor.")
    result = [0] * len(shares)
    percents: list[tuple[int, Decimal]] = []
    for index, share in enumerate(shares):
        if share.kind is ShareKind.FIXED:
            result[index] = _fixed_minor(share, currency, index)
        else:
            if not Decimal(0) < share.value <= HUNDRED:
                raise ShareError(
                    f"contributors.{index}.share.value", "A percent is above 0 and at most 100."
                )
            percents.append((index, share.value))
    rest = amount_minor - sum(result)
    if rest < 0:
        raise ShareError("contributors", "The fixed shares exceed the amount.")
    if not percents:
        if rest:
            raise ShareError("contributors", "Fixed shares alone must sum to the amount.")
        return result
    if sum(p for _, p in percents) != HUNDRED:
        raise ShareError("contributors", "The percents must sum to exactly 100.")
    exact = [(index, Decimal(rest) * p / HUNDRED) for index, p in percents]
    for index, value in exact:
        result[index] = int(value)  # value ≥ 0: int() rounds down
    left = rest - sum(result[index] for index, _ in exact)
    by_remainder = sorted(exact, key=lambda item: (-(item[1] - int(item[1])), item[0]))
    for index, _ in by_remainder[:left]:
        result[index] += 1
    return result


def due_so_far(full: Sequence[int], received: int, whole: int) -> list[int]:
    """Each share's part of ``received`` out of ``whole``, rounded down; full when all is in."""
    if whole <= 0:
        raise ValueError("whole must be positive")
    received = max(0, min(received, whole))
    if received == whole:
        return list(full)
    return [share * received // whole for share in full]


@dataclass(frozen=True)
class Taken:
    """A contribution on a cumulative amount: the whole of it and the guarantee fund's part."""

    contribution: int
    fund: int

    def __sub__(self, other: Taken) -> Taken:
        return Taken(self.contribution - other.contribution, self.fund - other.fund)


NOTHING = Taken(0, 0)


def taken(cumulative: int, rate: Decimal, fund_points: Decimal) -> Taken:
    """The contribution at ``rate`` % of ``cumulative`` and the fund's ``fund_points`` % (each
    rounded half up, the fund's part never above the contribution)."""
    if cumulative <= 0 or rate <= 0:
        return NOTHING
    contribution, fund = contribution_of(cumulative, rate, fund_points)
    return Taken(contribution, fund)


@dataclass(frozen=True)
class FeePolicy:
    kind: FeeKind
    lead_rate: Decimal | None = None

    def __post_init__(self) -> None:
        if self.kind is FeeKind.LEAD_NODE:
            if self.lead_rate is None or not Decimal(0) <= self.lead_rate < HUNDRED:
                raise ShareError("fee_policy.lead_rate", "The lead rate is from 0 up to 100.")
        elif self.lead_rate is not None:
            raise ShareError("fee_policy.lead_rate", "Only the lead_node policy has a lead rate.")

    def lead_rate_on(self, *, local: bool, lead_own_rate: Decimal) -> Decimal:
        """The rate the lead node keeps from a contributor's share (``local``: its own member)."""
        if self.kind is FeeKind.LEAD_NODE:
            assert self.lead_rate is not None
            return self.lead_rate
        return lead_own_rate if local else Decimal(0)

    def contributor_rate(self, own_rate: Decimal) -> Decimal:
        """The rate a contributor's node keeps from what arrives for its member."""
        return own_rate if self.kind is FeeKind.EACH_NODE else Decimal(0)


def net_of(cumulative: int, rate: Decimal, fund_points: Decimal) -> int:
    """What is left of a cumulative share once the contribution at ``rate`` is taken."""
    return cumulative - taken(cumulative, rate, fund_points).contribution


@dataclass(frozen=True)
class Step:
    """One contributor's allocation for one event: the share's increment (``gross``), the
    lead node's contribution on it (``fee``), and what goes on (``net``), with the cumulative
    gross and net after it."""

    index: int
    gross: int
    fee: Taken
    cumulative_gross: int
    cumulative_net: int

    @property
    def net(self) -> int:
        return self.gross - self.fee.contribution


def steps(
    full: Sequence[int],
    allocated: Sequence[int],
    received: int,
    whole: int,
    rates: Sequence[Decimal],
    fund_points: Decimal,
) -> list[Step]:
    """The allocations that bring each contributor from ``allocated`` (cumulative gross posted
    so far) to what ``received`` out of ``whole`` makes due; none for a contributor already
    there. ``rates[i]`` is the rate the lead node keeps from contributor ``i``'s share."""
    found: list[Step] = []
    due = due_so_far(full, received, whole)
    for index, (before, after) in enumerate(zip(allocated, due, strict=True)):
        if after <= before:
            continue
        rate = rates[index]
        fee = taken(after, rate, fund_points) - taken(before, rate, fund_points)
        found.append(Step(index, after - before, fee, after, net_of(after, rate, fund_points)))
    return found
