"""The FEC (fichier des écritures comptables): the journal as the French tax authority asks for it.

Livre des procédures fiscales, art. L47 A and A47 A-1 (arrêté du 29 juillet 2013): a flat text
file, one line per posting, the 18 fields below in this order with their names as the first line,
one field separator for the whole file (``|`` here, which therefore never appears in a field),
dates as ``YYYYMMDD``, amounts with a decimal comma and no thousands separator, records ended by
CR LF. It is named ``<SIREN>FEC<closing date YYYYMMDD>.txt``. Text is encoded in ISO 8859-15 (a
character set the article names; characters outside it become ``?``).

How the node's ledger fills it (pure code, tested without a database):

* Journals: ``VE`` sales (invoices, credit notes), ``BQ`` bank (entries that move the bank),
  ``OD`` everything else, ``AN`` the opening balances. ``EcritureNum`` is the journal code and a
  number counting from 1 in each journal, in chronological order (date, then ledger sequence),
  so each journal's numbering is continuous.
* ``AN``: when the period starts after the first entry, one entry dated ``start`` carries every
  balance-sheet account's balance (classes 1 to 5) and the net of the income and expense
  accounts (classes 6 and 7) as the result not yet allocated (120 profit, 129 loss), so the
  file's accounts open where the books stood.
* ``CompteNum``/``CompteLib``: the PCG account; an account that is one of many under a
  collective account (an activity's budget) fills ``CompAuxNum``/``CompAuxLib`` too.
* ``PieceRef``: the invoice number, else ``JE`` + the ledger sequence (the entry in the node's
  hash-chained journal). ``ValidDate``: the day the entry was posted — posted entries are never
  changed. No lettering (``EcritureLet``/``DateLet``) and no foreign currency: the file holds the
  books' currency only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from plugins.jurisdiction import (
    ChartAccount,
    ExportRefused,
    JournalKind,
    LedgerEntry,
    LedgerExtract,
    LedgerLine,
    NationalExport,
)

COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
SEPARATOR = "|"
RECORD_END = "\r\n"
ENCODING = "iso-8859-15"
MEDIA_TYPE = f"text/plain; charset={ENCODING}"
JOURNALS = {
    JournalKind.SALES: ("VE", "Ventes"),
    JournalKind.BANK: ("BQ", "Banque"),
    JournalKind.GENERAL: ("OD", "Opérations diverses"),
}
OPENING_JOURNAL = ("AN", "À nouveaux")
PROFIT = ChartAccount("PCG", "120", "Résultat de l'exercice (bénéfice)")
LOSS = ChartAccount("PCG", "129", "Résultat de l'exercice (perte)")
_FORBIDDEN = str.maketrans({SEPARATOR: " ", "\t": " ", "\r": " ", "\n": " "})


def fec_filename(siren: str, closing: date) -> str:
    """``<SIREN>FEC<YYYYMMDD>.txt``, the name the article prescribes."""
    return f"{siren}FEC{closing:%Y%m%d}.txt"


def fec_date(day: date) -> str:
    return f"{day:%Y%m%d}"


def fec_amount(amount: Decimal, minor_unit: int = 2) -> str:
    """A non-negative amount with a decimal comma and no thousands separator: ``1234,50``."""
    exact = amount.quantize(Decimal(1).scaleb(-minor_unit))
    if exact != amount or amount < 0:
        raise ValueError(f"{amount} is not a non-negative amount in {minor_unit} decimals")
    return f"{exact:f}".replace(".", ",")


def fec_text(value: str) -> str:
    """A text field: the separator and line breaks would split the record, so they become
    spaces."""
    return value.translate(_FORBIDDEN).strip()


def fec_export(extract: LedgerExtract, siren: str, minor_unit: int = 2) -> NationalExport:
    """The whole FEC file of ``extract``; :class:`ExportRefused` naming every obstacle."""
    writer = _Writer(extract.currency, minor_unit)
    records = [SEPARATOR.join(COLUMNS)]
    records += (SEPARATOR.join(row) for row in writer.rows(extract))
    if writer.problems:
        raise ExportRefused("; ".join(sorted(set(writer.problems))))
    text = RECORD_END.join(records) + RECORD_END
    return NationalExport(
        format="FEC",
        filename=fec_filename(siren, extract.end),
        media_type=MEDIA_TYPE,
        content=text.encode(ENCODING, errors="replace"),
    )


class _Writer:
    """Turns entries into records, numbering each journal and collecting what cannot be written
    (so one refusal lists every account to fix, not just the first)."""

    def __init__(self, currency: str, minor_unit: int) -> None:
        self.currency = currency
        self.minor_unit = minor_unit
        self.counters: dict[str, int] = {}
        self.problems: list[str] = []

    def rows(self, extract: LedgerExtract) -> Iterator[list[str]]:
        opening = self.opening_entry(extract.start, extract.opening)
        if opening is not None:
            yield from self.entry_rows(opening, OPENING_JOURNAL, "AN")
        for entry in extract.entries:
            reference = entry.reference or f"JE{entry.number}"
            yield from self.entry_rows(entry, JOURNALS[entry.journal], reference)

    def opening_entry(self, start: date, balances: Iterable[LedgerLine]) -> LedgerEntry | None:
        """The balances before ``start`` as one entry; income and expenses become the result."""
        lines, result = [], Decimal(0)
        for line in balances:
            income_or_expense = line.chart is not None and line.chart.number[:1] in {"6", "7"}
            if income_or_expense and line.currency == self.currency:
                result += line.amount
            else:
                lines.append(line)
        if result:
            chart = PROFIT if result < 0 else LOSS
            lines.append(LedgerLine("result", chart.label, self.currency, result, chart))
        if not lines:
            return None
        description = f"Soldes au {start:%d/%m/%Y}"
        return LedgerEntry(
            0, start, start, "opening", JournalKind.GENERAL, description, "AN", tuple(lines)
        )

    def entry_rows(
        self, entry: LedgerEntry, journal: tuple[str, str], reference: str
    ) -> Iterator[list[str]]:
        code, name = journal
        self.counters[code] = self.counters.get(code, 0) + 1
        number = f"{code}{self.counters[code]:06d}"
        for line in entry.lines:
            chart = self.checked(line)
            if chart is None:
                continue
            debit = line.amount if line.amount > 0 else Decimal(0)
            credit = -line.amount if line.amount < 0 else Decimal(0)
            yield [
                code,
                name,
                number,
                fec_date(entry.occurred_on),
                chart.number,
                fec_text(chart.label),
                chart.auxiliary,
                fec_text(line.account_name) if chart.auxiliary else "",
                fec_text(reference),
                fec_date(entry.occurred_on),
                fec_text(entry.description) or entry.kind,
                fec_amount(debit, self.minor_unit),
                fec_amount(credit, self.minor_unit),
                "",
                "",
                fec_date(entry.recorded_on),
                "",
                "",
            ]

    def checked(self, line: LedgerLine) -> ChartAccount | None:
        """The line's PCG account, or ``None`` after noting why the line cannot be written."""
        if line.currency != self.currency:
            self.problems.append(
                f"account {line.account} is in {line.currency}; the FEC holds {self.currency} only"
            )
            return None
        number = line.chart.number if line.chart else ""
        if len(number) < 3 or not number[:3].isdigit():
            self.problems.append(
                f"account {line.account} has no PCG number of at least three digits"
            )
            return None
        return line.chart
