"""The journal entries of invoices and credit notes (pure: no database).

An issued invoice posts one entry, in the invoice currency::

    debit   receivables:clients         gross          (asset: what the client owes)
    credit  vat:payable                 VAT            (liability; none for reverse charge/export)
    credit  activity:<id>:budget        net            (liability: held for the activity)
    debit   activity:<id>:budget        contribution   (the co-op's share, rate × net)
    credit  revenue:contribution        contribution − fund share
    credit  fund:guarantee              fund share     (points × net; a liability, see below)

The guarantee fund is a **liability**: money set aside to pay members' salaries when a client
does not pay; absorbing a default debits it. A credit note posts the mirror image of the part it
credits, with the contribution and the fund share reversed in proportion to the credited net
(the last credit note that brings an invoice to zero gives back exactly what is left, so a fully
credited invoice leaves the activity's budget where it was). Zero amounts are left out: a
posting of nothing is refused by the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from node.ledger.entries import AccountType, EntryDraft, PostingLine
from node.ledger.service import AccountSpec

RECEIVABLES = AccountSpec("receivables:clients", "Receivables from clients", AccountType.ASSET)
VAT_PAYABLE = AccountSpec("vat:payable", "VAT payable", AccountType.LIABILITY)
CONTRIBUTION = AccountSpec(
    "revenue:contribution", "The co-op's contribution on invoices", AccountType.REVENUE
)
GUARANTEE_FUND = AccountSpec("fund:guarantee", "Salary guarantee fund", AccountType.LIABILITY)
ACCOUNTS = (RECEIVABLES, VAT_PAYABLE, CONTRIBUTION, GUARANTEE_FUND)


def percent_of(amount_minor: int, percent: Decimal) -> int:
    """``percent`` % of an amount in minor units, rounded half up to the minor unit."""
    return int((Decimal(amount_minor) * percent / 100).to_integral_value(rounding=ROUND_HALF_UP))


def contribution_of(net_minor: int, rate: Decimal, fund_points: Decimal) -> tuple[int, int]:
    """The contribution (``rate`` % of the net) and the guarantee fund's part of it (``points``
    % of the net), each rounded half up; the fund's part never exceeds the contribution."""
    contribution = percent_of(net_minor, rate)
    return contribution, min(percent_of(net_minor, fund_points), contribution)


def in_proportion(total: int, part: int, whole: int, *, remaining: int, last: bool) -> int:
    """``total × part / whole`` rounded half up; the ``last`` part takes exactly ``remaining``."""
    if last:
        return remaining
    if whole == 0:
        return 0
    share = Decimal(total) * Decimal(part) / Decimal(whole)
    return min(int(share.to_integral_value(rounding=ROUND_HALF_UP)), remaining)


@dataclass(frozen=True)
class Amounts:
    """What a document moves, in minor units of ``currency`` (all ≥ 0)."""

    currency: str
    net: int
    vat: int
    contribution: int
    fund: int

    @property
    def gross(self) -> int:
        return self.net + self.vat


def _lines(budget_key: str, amounts: Amounts, sign: int) -> tuple[PostingLine, ...]:
    currency = amounts.currency
    lines = [
        (RECEIVABLES.key, amounts.gross),
        (VAT_PAYABLE.key, -amounts.vat),
        (budget_key, -amounts.net),
        (budget_key, amounts.contribution),
        (CONTRIBUTION.key, -(amounts.contribution - amounts.fund)),
        (GUARANTEE_FUND.key, -amounts.fund),
    ]
    return tuple(PostingLine(key, currency, sign * amount) for key, amount in lines if amount)


def invoice_entry(
    *,
    document_id: int,
    number: str,
    issue_date: date,
    budget_key: str,
    amounts: Amounts,
) -> EntryDraft:
    """The entry of an issued invoice."""
    return EntryDraft(
        kind="invoice",
        occurred_on=issue_date,
        idempotency_key=issue_key(document_id),
        description=f"Invoice {number}",
        postings=_lines(budget_key, amounts, 1),
        meta={"invoice_id": str(document_id), "number": number},
    )


def credit_note_entry(
    *,
    document_id: int,
    number: str,
    credited_number: str,
    issue_date: date,
    budget_key: str,
    amounts: Amounts,
) -> EntryDraft:
    """The entry of a credit note: the invoice's entry mirrored for the credited amounts."""
    return EntryDraft(
        kind="credit_note",
        occurred_on=issue_date,
        idempotency_key=issue_key(document_id),
        description=f"Credit note {number} on invoice {credited_number}",
        postings=_lines(budget_key, amounts, -1),
        meta={"invoice_id": str(document_id), "number": number, "credits": credited_number},
    )


def issue_key(document_id: int) -> str:
    """The ledger idempotency key of a document's entry: one entry per issued document."""
    return f"invoice:{document_id}:issue"
