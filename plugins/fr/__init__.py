"""France (FR): country facts read from the ``facts.toml`` beside this module, and the FEC.

The facts (VAT, mentions, identifiers, the PCG chart of accounts) are data in that file;
:mod:`plugins.facts_jurisdiction` turns it into a :class:`~plugins.jurisdiction.Jurisdiction`.
France adds one thing data cannot say: the journal export its tax authority requires, the
fichier des écritures comptables (:mod:`plugins.fr.fec`).
"""

from plugins import hookimpl
from plugins.facts_jurisdiction import FactsJurisdiction
from plugins.fr import fec
from plugins.jurisdiction import (
    ExportRefused,
    IdentifierKind,
    InvalidIdentifier,
    Jurisdiction,
    LedgerExtract,
    NationalExport,
)

COOPNODE_HOOK_API = 1


class France(FactsJurisdiction):
    """France's facts, plus the FEC (Livre des procédures fiscales, art. L47 A and A47 A-1)."""

    def journal_export(self, extract: LedgerExtract) -> NationalExport:
        """The FEC of the period; the file is named after the node's SIREN, so it must be set."""
        if not extract.company_id:
            raise ExportRefused(
                "set node.legal_entity_number (the SIREN): the FEC is named after it"
            )
        try:
            siren = self.validate_identifier(IdentifierKind.COMPANY_ID, extract.company_id)
        except InvalidIdentifier as exc:
            raise ExportRefused(f"node.legal_entity_number: {exc.reason}") from None
        return fec.fec_export(extract, siren, self.minor_unit)


@hookimpl
def coop_register_jurisdictions() -> list[Jurisdiction]:
    """Register France's jurisdiction."""
    return [France.for_package(__name__)]
