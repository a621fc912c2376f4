"""Italy (IT): country facts read from the ``facts.toml`` beside this module, and payroll.

Everything country-specific is data: the facts in ``facts.toml``, which
:mod:`plugins.facts_jurisdiction` turns into a :class:`~plugins.jurisdiction.Jurisdiction`, and
the payroll law of each year in ``payroll_<year>.toml``, computed by :mod:`plugins.it.payroll`
(INPS contributions, IRPEF withholding with the cuneo fiscale, surcharges, TFR accrual, UNILAV,
UniEmens and F24; see ``docs/payroll-it.md``).
"""

from __future__ import annotations

from plugins import hookimpl
from plugins.facts_jurisdiction import FactsJurisdiction
from plugins.it.payroll import ItalyPayroll, italy_payroll
from plugins.jurisdiction import Jurisdiction

COOPNODE_HOOK_API = 1


class Italy(FactsJurisdiction):
    """Italy's facts, plus its payroll law (:class:`plugins.it.payroll.ItalyPayroll`)."""

    def payroll(self) -> ItalyPayroll:
        return italy_payroll()


@hookimpl
def coop_register_jurisdictions() -> list[Jurisdiction]:
    """Register Italy's jurisdiction."""
    return [Italy.for_package(__name__)]
