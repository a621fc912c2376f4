"""Each account's number in the country's chart of accounts, resolved when the books are read.

The number is not stored on the account when it is opened: the jurisdiction maps account keys
(``bank``, ``activity:*:budget`` …) to its chart (the Belgian PCMN, the French PCG), so accounts
opened before the mapping existed, or before it was corrected, show the right number without a
migration, and every service can open accounts without knowing the country. The account row's
``chart_number`` is only set by an accountant who opens an account by hand and gives one; that
explicit number wins over the mapping.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from node.ledger.models import Account
from plugins.jurisdiction import ChartAccount

if TYPE_CHECKING:
    from plugins.jurisdiction import Jurisdiction


class Chart:
    """The node's chart of accounts on one day: the jurisdiction's mapping plus explicit numbers.

    Built once per report so every account in it is numbered by the same mapping.
    """

    def __init__(self, jurisdiction: Jurisdiction | None = None, on: date | None = None) -> None:
        self.jurisdiction = jurisdiction
        self.on = on
        self._cache: dict[str, ChartAccount | None] = {}

    @property
    def name(self) -> str | None:
        """The chart's short name (``"PCMN"``), ``None`` when the country has none."""
        return self.jurisdiction.chart_name if self.jurisdiction else None

    def mapped(self, key: str) -> ChartAccount | None:
        """What the jurisdiction says about ``key`` (cached: reports ask once per posting)."""
        if key not in self._cache:
            found = self.jurisdiction.chart_account(key, self.on) if self.jurisdiction else None
            self._cache[key] = found
        return self._cache[key]

    def of(self, account: Account) -> ChartAccount | None:
        """The account's place in the chart (see :meth:`resolve`)."""
        return self.resolve(account.key, account.name, account.chart_number)

    def resolve(self, key: str, name: str, explicit: str | None) -> ChartAccount | None:
        """The mapped place of ``key``, unless the account carries an ``explicit`` number: that
        one wins, with the mapped label when the numbers agree and the account's name else."""
        mapped = self.mapped(key)
        if not explicit:
            return mapped
        if mapped is not None and mapped.number == explicit:
            return mapped
        return ChartAccount(chart=self.name or "", number=explicit, label=name)

    def fields(self, account: Account) -> dict[str, str | None]:
        """What listings show next to an account: chart, number, national label, sub-ledger."""
        found = self.of(account)
        if found is None:
            return {"chart": None, "chart_number": None, "chart_label": None, "auxiliary": None}
        return {
            "chart": found.chart or None,
            "chart_number": found.number,
            "chart_label": found.label,
            "auxiliary": found.auxiliary or None,
        }


def sort_key(number: str | None, key: str) -> tuple[int, str, str]:
    """Chart order (``101`` < ``1013`` < ``411``), accounts without a number last."""
    return (0, number, key) if number else (1, "", key)
