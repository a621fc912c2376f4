"""Sweden (SE): country facts read from the ``facts.toml`` beside this module, and payroll.

Everything country-specific is data: the facts in ``facts.toml``, which
:mod:`plugins.facts_jurisdiction` turns into a :class:`~plugins.jurisdiction.Jurisdiction`, and
the payroll law of each year in ``payroll_<year>.toml``, computed by :mod:`plugins.se.payroll`
(employer contributions by age, the preliminary tax of the SKV 433 tax tables, the AGI; see
``docs/payroll-se.md``).
"""

from __future__ import annotations

from plugins import hookimpl
from plugins.facts_jurisdiction import FactsJurisdiction
from plugins.jurisdiction import Jurisdiction
from plugins.se.payroll import SwedenPayroll, sweden_payroll

COOPNODE_HOOK_API = 1


class Sweden(FactsJurisdiction):
    """Sweden's facts, plus its payroll law (:class:`plugins.se.payroll.SwedenPayroll`)."""

    def payroll(self) -> SwedenPayroll:
        return sweden_payroll()


@hookimpl
def coop_register_jurisdictions() -> list[Jurisdiction]:
    """Register Sweden's jurisdiction."""
    return [Sweden.for_package(__name__)]
