"""What clients still owe on issued invoices, and which part of it is the activity's.

An invoice credits its activity's budget with ``net − contribution`` when it is issued. Until
the client pays, that money is a promise: the activity may spend it at once only if the salary
guarantee fund covers the invoice; otherwise it waits for the payment. So for each issued
invoice with something still open we need the activity's share of what is open::

    share of open = (net − contribution) × open / gross      (each after credit notes)

rounded half up, exactly the whole share while nothing is paid and nothing once all is paid. An
invoice the fund wrote off (:mod:`node.guarantee.writeoffs`) no longer weighs on its activity:
the fund took the loss.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.guarantee.models import GuaranteeWriteOff
from node.invoices.models import Invoice
from node.invoices.open_amounts import open_amounts


@dataclass(frozen=True)
class OpenReceivable:
    """An issued invoice with an amount still open (minor units of ``currency``)."""

    invoice_id: int
    number: str
    activity_id: int
    client_id: int
    currency: str
    covered: bool
    due_date: date | None
    gross: int  # after credit notes
    share: int  # the activity's part of the gross (net − contribution), after credit notes
    open: int  # what the client still owes
    written_off: bool

    @property
    def open_share(self) -> int:
        """The activity's part of what is open (0 once the fund wrote the invoice off)."""
        if self.written_off or self.gross <= 0 or self.open <= 0:
            return 0
        if self.open >= self.gross:
            return self.share
        exact = Decimal(self.share) * Decimal(self.open) / Decimal(self.gross)
        return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


def open_receivables(
    session: Session,
    *,
    activity_ids: Iterable[int] | None = None,
    invoice_ids: Iterable[int] | None = None,
) -> list[OpenReceivable]:
    """Issued invoices that still have something open, optionally of some activities only."""
    amounts = open_amounts()
    gross = Invoice.gross_minor - amounts.credited_gross
    share = Invoice.net_minor - Invoice.contribution_minor - amounts.credited_share
    conditions = amounts.issued_and_open()
    if activity_ids is not None:
        conditions.append(Invoice.activity_id.in_(list(activity_ids)))
    if invoice_ids is not None:
        conditions.append(Invoice.id.in_(list(invoice_ids)))
    query = (
        select(
            Invoice.id,
            Invoice.number,
            Invoice.activity_id,
            Invoice.client_id,
            Invoice.currency,
            Invoice.guarantee_covered,
            Invoice.due_date,
            gross,
            share,
            amounts.still_open,
            GuaranteeWriteOff.id,
        )
        .outerjoin(GuaranteeWriteOff, GuaranteeWriteOff.invoice_id == Invoice.id)
        .where(*conditions)
        .order_by(Invoice.id)
    )
    return [
        OpenReceivable(
            invoice_id=row[0],
            number=row[1] or "",
            activity_id=row[2],
            client_id=row[3],
            currency=row[4],
            covered=bool(row[5]),
            due_date=row[6],
            gross=int(row[7]),
            share=int(row[8]),
            open=int(row[9]),
            written_off=row[10] is not None,
        )
        for row in session.execute(query)
    ]


@dataclass(frozen=True)
class Shares:
    """An activity's part of what its clients still owe, split by whether the fund covers it."""

    awaiting_payment: int = 0  # uncovered: not spendable until the client pays
    covered_unpaid: int = 0  # covered: spendable now, the fund stands behind it


def shares_of(session: Session, activity_id: int, currency: str) -> Shares:
    awaiting = covered = 0
    for item in open_receivables(session, activity_ids=[activity_id]):
        if item.currency != currency:
            continue
        if item.covered:
            covered += item.open_share
        else:
            awaiting += item.open_share
    return Shares(awaiting, covered)
