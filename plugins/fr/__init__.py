"""France (FR): country facts read from the ``facts.toml`` beside this module, and the FEC.

The facts (VAT, mentions, identifiers, the PCG chart of accounts) are data in that file;
:mod:`plugins.facts_jurisdiction` turns it into a :class:`~plugins.jurisdiction.Jurisdiction`.
France adds what data cannot say: the journal export its tax authority requires, the fichier
des écritures comptables (:mod:`plugins.fr.fec`), and its payroll (:mod:`plugins.fr.payroll`,
law in ``payroll_2026.toml``).
"""

import functools

from plugins import hookimpl
from plugins.facts_jurisdiction import FactsJurisdiction
from plugins.fr import fec
from plugins.fr.payroll import FrancePayroll
from plugins.jurisdiction import (
    ExportRefused,
    IdentifierKind,
    InvalidIdentifier,
    Jurisdiction,
    LedgerExtract,
    NationalExport,
)
from plugins.payroll.contract import Payroll

COOPNODE_HOOK_API = 1


class France(FactsJurisdiction):
    """France's facts, plus the FEC (Livre des procédures fiscales, art. L47 A and A47 A-1)."""

    def journal_export(self, extract: LedgerExtract) -> NationalExport:
        """The FEC of the period; the file is named after the node's SIREN (the first nine digits
        of a SIRET), so it must be set."""
        if not extract.company_id:
            raise ExportRefused(
                "set node.legal_entity_number (the SIREN or SIRET): the FEC is named after it"
            )
        try:
            company_id = self.validate_identifier(IdentifierKind.COMPANY_ID, extract.company_id)
        except InvalidIdentifier as exc:
            raise ExportRefused(f"node.legal_entity_number: {exc.reason}") from None
        return fec.fec_export(extract, company_id[:9], self.minor_unit)

    def payroll(self) -> Payroll:
        """France's payroll law (:class:`plugins.fr.payroll.FrancePayroll`): 2026 payslips of
        the general scheme with the RGDU and withholding, the DPAE and the monthly DSN."""
        return _payroll()


@functools.cache
def _payroll() -> Payroll:
    return FrancePayroll()


@hookimpl
def coop_register_jurisdictions() -> list[Jurisdiction]:
    """Register France's jurisdiction."""
    return [France.for_package(__name__)]
