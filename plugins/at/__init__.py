"""Austria (AT): country facts read from the ``facts.toml`` beside this module, and payroll.

Everything country-specific is data: the facts in ``facts.toml``, which
:mod:`plugins.facts_jurisdiction` turns into a :class:`~plugins.jurisdiction.Jurisdiction`, and
the payroll law of each year in ``payroll_<year>.toml``, computed by :mod:`plugins.at.payroll`
(Sozialversicherung, Lohnsteuer, sonstige Bezüge, DB / DZ / Kommunalsteuer, ELDA Anmeldung and
mBGM; see ``docs/payroll-at.md``).
"""

from __future__ import annotations

from plugins import hookimpl
from plugins.at.payroll import AustriaPayroll, austria_payroll
from plugins.facts_jurisdiction import FactsJurisdiction
from plugins.jurisdiction import Jurisdiction

COOPNODE_HOOK_API = 1


class Austria(FactsJurisdiction):
    """Austria's facts, plus its payroll law (:class:`plugins.at.payroll.AustriaPayroll`)."""

    def payroll(self) -> AustriaPayroll:
        return austria_payroll()


@hookimpl
def coop_register_jurisdictions() -> list[Jurisdiction]:
    """Register Austria's jurisdiction."""
    return [Austria.for_package(__name__)]
