"""What is still open on issued invoices, as SQL expressions over the ``invoices`` row.

``open = gross − credited (gross of its credit notes) − applied (what payments settled)``, the
same figure :func:`node.payments.service.balance_of` computes for one invoice, here for any
number of invoices in one query. The sums are correlated subqueries on indexed columns, so a
query restricted to some invoices (one activity's, the overdue ones …) only sums theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import aliased

from node.invoices.models import Invoice, InvoiceKind, InvoiceStatus
from node.payments.models import ClientPayment


@dataclass(frozen=True)
class OpenAmounts:
    """Expressions to select or filter on, for the ``Invoice`` of the enclosing query."""

    credited_gross: Any
    credited_net: Any
    credited_share: Any  # net − contribution of the credit notes: the activity's part
    applied: Any
    still_open: Any

    def issued_and_open(self) -> list[ColumnElement[bool]]:
        """Conditions: an issued invoice (not a credit note) with something still open."""
        return [
            Invoice.kind == InvoiceKind.INVOICE.value,
            Invoice.status == InvoiceStatus.ISSUED.value,
            self.still_open > 0,
        ]


def _total(column: Any, correlation: ColumnElement[bool]) -> Any:
    return select(func.coalesce(func.sum(column), 0)).where(correlation).scalar_subquery()


def open_amounts() -> OpenAmounts:
    note = aliased(Invoice)
    credits_it = note.credited_invoice_id == Invoice.id
    credited_gross = _total(note.gross_minor, credits_it)
    applied = _total(ClientPayment.applied_minor, ClientPayment.invoice_id == Invoice.id)
    return OpenAmounts(
        credited_gross=credited_gross,
        credited_net=_total(note.net_minor, credits_it),
        credited_share=_total(note.net_minor - note.contribution_minor, credits_it),
        applied=applied,
        still_open=Invoice.gross_minor - credited_gross - applied,
    )
