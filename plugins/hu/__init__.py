"""Hungary (HU): country facts read from the ``facts.toml`` beside this module, and payroll.

Everything country-specific is data: the facts in ``facts.toml``, which
:mod:`plugins.facts_jurisdiction` turns into a :class:`~plugins.jurisdiction.Jurisdiction`, and
the payroll law of each year in ``payroll_<year>.toml``, computed by :mod:`plugins.hu.payroll`
(the 18.5 % social security contribution, the 15 % income tax with the mothers', under-25,
personal, first-marriage and family allowances, the 13 % szocho, the T1041 and the monthly 08
return; see ``docs/payroll-hu.md``).
"""

from __future__ import annotations

from plugins import hookimpl
from plugins.facts_jurisdiction import FactsJurisdiction
from plugins.hu.payroll import HungaryPayroll, hungary_payroll
from plugins.jurisdiction import Jurisdiction

COOPNODE_HOOK_API = 1


class Hungary(FactsJurisdiction):
    """Hungary's facts, plus its payroll law (:class:`plugins.hu.payroll.HungaryPayroll`)."""

    def payroll(self) -> HungaryPayroll:
        return hungary_payroll()


@hookimpl
def coop_register_jurisdictions() -> list[Jurisdiction]:
    """Register Hungary's jurisdiction."""
    return [Hungary.for_package(__name__)]
