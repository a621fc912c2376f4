"""Germany (DE): country facts read from the ``facts.toml`` beside this module, and payroll.

Everything country-specific is data: the facts in ``facts.toml``, which
:mod:`plugins.facts_jurisdiction` turns into a :class:`~plugins.jurisdiction.Jurisdiction`, and
the payroll law of each year in ``payroll_<year>.toml``, computed by :mod:`plugins.de.payroll`
(social insurance with its ceilings and levies, Lohnsteuer, Solidaritätszuschlag and
Kirchensteuer by the BMF Programmablaufplan, DEÜV reports, Beitragsnachweis and
Lohnsteuer-Anmeldung; see ``docs/payroll-de.md``).
"""

from __future__ import annotations

from plugins import hookimpl
from plugins.de.payroll import GermanyPayroll, germany_payroll
from plugins.facts_jurisdiction import FactsJurisdiction
from plugins.jurisdiction import Jurisdiction

COOPNODE_HOOK_API = 1


class Germany(FactsJurisdiction):
    """Germany's facts, plus its payroll law (:class:`plugins.de.payroll.GermanyPayroll`)."""

    def payroll(self) -> GermanyPayroll:
        return germany_payroll()


@hookimpl
def coop_register_jurisdictions() -> list[Jurisdiction]:
    """Register Germany's jurisdiction."""
    return [Germany.for_package(__name__)]
