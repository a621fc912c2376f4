"""Spain (ES): country facts read from the ``facts.toml`` beside this module, and payroll.

Everything country-specific is data: the facts in ``facts.toml``, which
:mod:`plugins.facts_jurisdiction` turns into a :class:`~plugins.jurisdiction.Jurisdiction`, and
the payroll law of each year in ``payroll_<year>.toml``, computed by :mod:`plugins.es.payroll`
(Seguridad Social by contribution group with the MEI and the solidarity contribution, the IRPF
withholding by the AEAT algorithm, alta/Contrat@, SILTRA and modelo 111; see
``docs/payroll-es.md``).
"""

from __future__ import annotations

from plugins import hookimpl
from plugins.es.payroll import SpainPayroll, spain_payroll
from plugins.facts_jurisdiction import FactsJurisdiction
from plugins.jurisdiction import Jurisdiction

COOPNODE_HOOK_API = 1


class Spain(FactsJurisdiction):
    """Spain's facts, plus its payroll law (:class:`plugins.es.payroll.SpainPayroll`)."""

    def payroll(self) -> SpainPayroll:
        return spain_payroll()


@hookimpl
def coop_register_jurisdictions() -> list[Jurisdiction]:
    """Register Spain's jurisdiction."""
    return [Spain.for_package(__name__)]
