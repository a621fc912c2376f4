"""Overdue invoices: the rule (pure) and the query of every overdue invoice (database).

An invoice is **overdue** on a day when all of these hold:

* it is an invoice (a credit note is never paid by the client) and it is issued (not a draft);
* it is not cancelled: its credit notes do not cover its whole net;
* something is still open on it: ``gross − credited − paid`` above 0, as
  :func:`node.payments.service.balance_of` computes it (``paid`` is what payments settled);
* its due date is before that day. On the due date itself it is not overdue yet; the day after,
  it is 1 day overdue.

Nothing of this is stored: it follows from the invoice, its credit notes, its payments and the
date, so it cannot go stale. ``as_of`` only decides the day the due dates are compared with; the
amounts are what the books hold (every payment and credit note recorded), so a date next week shows
what will be overdue then unless it is paid, and a reminder is never sent for an invoice paid since.

:func:`days_overdue` is the one date rule, shared with the salary guarantee fund (its default
threshold) and the reminders (:mod:`node.invoices.reminders`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.clients.models import Client
from node.invoices.models import Invoice, InvoiceKind, InvoiceStatus
from node.invoices.open_amounts import open_amounts


def days_overdue(due_date: date | None, as_of: date) -> int:
    """Whole days past ``due_date`` on ``as_of``: 0 up to and including the due date, and for a
    document without one (a draft, a credit note)."""
    if due_date is None:
        return 0
    return max((as_of - due_date).days, 0)


def is_overdue(
    *,
    kind: str,
    status: str,
    cancelled: bool,
    open_minor: int,
    due_date: date | None,
    as_of: date,
) -> bool:
    """The rule of the module docstring, from plain values."""
    return (
        kind == InvoiceKind.INVOICE
        and status == InvoiceStatus.ISSUED
        and not cancelled
        and open_minor > 0
        and days_overdue(due_date, as_of) > 0
    )


@dataclass(frozen=True)
class OverdueInvoice:
    """An overdue invoice and what is open on it (minor units of ``currency``)."""

    invoice_id: int
    number: str
    activity_id: int
    client_id: int
    client_name: str
    currency: str
    issue_date: date
    due_date: date
    gross_minor: int  # as issued
    credited_minor: int  # gross of its credit notes
    paid_minor: int  # what payments settled (an over-payment's excess is not counted)
    open_minor: int
    days_overdue: int


def overdue_invoices(
    session: Session,
    as_of: date,
    *,
    activity_id: int | None = None,
    invoice_ids: Iterable[int] | None = None,
) -> list[OverdueInvoice]:
    """Every invoice overdue on ``as_of`` (optionally of one activity, or among some invoices),
    the longest overdue first, with its open amount. One query, whatever the number of
    invoices."""
    amounts = open_amounts()
    conditions = [
        *amounts.issued_and_open(),
        Invoice.due_date.is_not(None),
        Invoice.due_date < as_of,
        amounts.credited_net < Invoice.net_minor,  # not cancelled
    ]
    if activity_id is not None:
        conditions.append(Invoice.activity_id == activity_id)
    if invoice_ids is not None:
        conditions.append(Invoice.id.in_(list(invoice_ids)))
    query = (
        select(
            Invoice.id,
            Invoice.number,
            Invoice.activity_id,
            Invoice.client_id,
            Client.name,
            Invoice.currency,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.gross_minor,
            amounts.credited_gross.label("credited"),
            amounts.applied.label("paid"),
            amounts.still_open.label("open"),
        )
        .join(Client, Client.id == Invoice.client_id)
        .where(*conditions)
        .order_by(Invoice.due_date, Invoice.id)
    )
    found = []
    for row in session.execute(query):
        assert row.issue_date is not None and row.due_date is not None
        found.append(
            OverdueInvoice(
                invoice_id=row.id,
                number=row.number or "",
                activity_id=row.activity_id,
                client_id=row.client_id,
                client_name=row.name,
                currency=row.currency,
                issue_date=row.issue_date,
                due_date=row.due_date,
                gross_minor=int(row.gross_minor),
                credited_minor=int(row.credited),
                paid_minor=int(row.paid),
                open_minor=int(row.open),
                days_overdue=days_overdue(row.due_date, as_of),
            )
        )
    return found
