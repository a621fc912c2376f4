"""The Netherlands (NL): country facts read from the ``facts.toml`` beside this module, and payroll.

Everything country-specific is data: the facts in ``facts.toml``, which
:mod:`plugins.facts_jurisdiction` turns into a :class:`~plugins.jurisdiction.Jurisdiction`, and
the payroll law of each year in ``payroll_<year>.toml``, computed by :mod:`plugins.nl.payroll`
(the loonheffing by the white table, the employer's premiums, the holiday allowance, the
eerstedagsmelding and the aangifte loonheffingen; see ``docs/payroll-nl.md``).
"""

from __future__ import annotations

from plugins import hookimpl
from plugins.facts_jurisdiction import FactsJurisdiction
from plugins.jurisdiction import Jurisdiction
from plugins.nl.payroll import NetherlandsPayroll, netherlands_payroll

COOPNODE_HOOK_API = 1


class Netherlands(FactsJurisdiction):
    """The Netherlands' facts, plus its payroll law (:class:`plugins.nl.payroll.NetherlandsPayroll`)."""

    def payroll(self) -> NetherlandsPayroll:
        return netherlands_payroll()


@hookimpl
def coop_register_jurisdictions() -> list[Jurisdiction]:
    """Register the Netherlands' jurisdiction."""
    return [Netherlands.for_package(__name__)]
