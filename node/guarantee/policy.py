"""The salary guarantee fund's policy, from the node's settings (pure: no database).

The fund lets a co-op pay a member's salary before the client pays. Which invoices it stands
behind is decided once, when an invoice is issued (:func:`GuaranteePolicy.covers`), and frozen on
the invoice; the activity may then spend a covered invoice's turnover from its issue, and an
uncovered invoice's only once the client has paid (:mod:`node.guarantee.position`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from node.clients.models import GuaranteeStanding


class WorkingDays(Protocol):
    def add_working_days(self, start: date, days: int, subdivision: str | None = None) -> date: ...


@dataclass(frozen=True)
class GuaranteePolicy:
    """``clients``: ``all`` (every client but the excluded), ``approved`` (only clients staff
    approved) or ``none``; invoices above ``max_invoice_gross`` are never covered."""

    clients: str = "all"
    max_invoice_gross: Decimal = Decimal("50000.00")
    salary_within_working_days: int = 7
    default_after_days: int = 90

    @classmethod
    def from_settings(cls, settings: Any) -> GuaranteePolicy:
        return cls(
            clients=settings["guarantee.clients"],
            max_invoice_gross=settings["guarantee.max_invoice_gross"],
            salary_within_working_days=settings["guarantee.salary_within_working_days"],
            default_after_days=settings["guarantee.default_after_days"],
        )

    def covers_client(self, standing: str) -> bool:
        if standing == GuaranteeStanding.EXCLUDED or self.clients == "none":
            return False
        return self.clients == "all" or standing == GuaranteeStanding.APPROVED

    def covers(self, standing: str, gross: Decimal) -> bool:
        """Whether an invoice of ``gross`` (VAT included) to a client of ``standing`` is covered."""
        return self.covers_client(standing) and gross <= self.max_invoice_gross

    def in_default(self, days_overdue: int) -> bool:
        """A covered receivable this many days past due is in default (the fund may write it
        off)."""
        return days_overdue >= self.default_after_days

    def salary_due_by(
        self, declared_on: date, calendar: WorkingDays, subdivision: str | None = None
    ) -> date:
        """The day by which salary for work declared on ``declared_on`` is paid, client paid or
        not: that many working days later in the jurisdiction's calendar."""
        return calendar.add_working_days(declared_on, self.salary_within_working_days, subdivision)

    def describe(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "max_invoice_gross": self.max_invoice_gross,
            "salary_within_working_days": self.salary_within_working_days,
            "default_after_days": self.default_after_days,
        }
