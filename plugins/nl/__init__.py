"""The Netherlands (NL): country facts read from the ``facts.toml`` beside this module.

Everything country-specific is data in that file; :mod:`plugins.facts_jurisdiction` turns it into
a :class:`~plugins.jurisdiction.Jurisdiction`.
"""

from plugins import hookimpl
from plugins.facts_jurisdiction import FactsJurisdiction
from plugins.jurisdiction import Jurisdiction

COOPNODE_HOOK_API = 1


@hookimpl
def coop_register_jurisdictions() -> list[Jurisdiction]:
    """Register the Netherlands' jurisdiction."""
    return [FactsJurisdiction.for_package(__name__)]
