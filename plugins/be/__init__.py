"""Belgium (BE): country facts read from the ``facts.toml`` beside this module, and payroll.

Everything country-specific is data: the facts in ``facts.toml``, which
:mod:`plugins.facts_jurisdiction` turns into a :class:`~plugins.jurisdiction.Jurisdiction`, and
the payroll law of each year in ``payroll_<year>.toml``, computed by :mod:`plugins.be.payroll`
(ONSS and the work bonus, the special social security contribution, the Annex III withholding
tax, the structural reduction, Dimona and DmfA; see ``docs/payroll-be.md``).
"""

from __future__ import annotations

from plugins import hookimpl
from plugins.be.payroll import BelgiumPayroll, belgium_payroll
from plugins.facts_jurisdiction import FactsJurisdiction
from plugins.jurisdiction import Jurisdiction

COOPNODE_HOOK_API = 1


class Belgium(FactsJurisdiction):
    """Belgium's facts, plus its payroll law (:class:`plugins.be.payroll.BelgiumPayroll`)."""

    def payroll(self) -> BelgiumPayroll:
        return belgium_payroll()


@hookimpl
def coop_register_jurisdictions() -> list[Jurisdiction]:
    """Register Belgium's jurisdiction."""
    return [Belgium.for_package(__name__)]
