"""The country-facts contract: what every jurisdiction plugin tells the node.

Before the money core issues an invoice in a country it asks that country's
:class:`Jurisdiction`: which currency and how to round it, which VAT rate applied on a date,
which legal mentions the invoice must carry, whether a national id, company id or VAT number is
well formed, which days are working days, where each ledger account sits in the national chart of
accounts and how the journal is handed to the tax authority. Law changes, so every legal value is a dated
:class:`Fact` and every legal question is asked *for a date*: an invoice dated 2020-09-01 in
Germany gets the 16 % rate that applied then, not today's 19 %.

Errors (each carries a human-readable message):

* :class:`InvalidIdentifier` (a ``ValueError``) — an identifier failed validation; ``code`` is
  an :class:`IdentifierError` value that API clients may rely on.
* :class:`FactNotFound` (a ``LookupError``) — the node records no answer: a date before the
  recorded history, a VAT category the country does not use on that date.
* :class:`ExportRefused` (a ``ValueError``) — the books cannot be written in the national format
  as they stand (an account without a number in the chart, an amount in another currency).

:class:`plugins.facts.FactsJurisdiction` implements the contract from a TOML data file; a country
whose law needs code rather than data can subclass :class:`Jurisdiction` directly.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plugins.payroll.contract import Payroll


class VatCategory(StrEnum):
    """Stable names for the tiers of a national VAT schedule.

    A name denotes a tier of one country's schedule and keeps its meaning over time (France's
    ``reduced_2`` is the 5.5 % tier for food). ``reduced`` is the higher and ``reduced_2`` the
    lower of the two reduced rates the VAT Directive allows (art. 98), ``super_reduced`` a rate
    below 5 %, ``parking`` a rate of at least 12 % kept under art. 118, ``zero`` a zero rate.
    """

    STANDARD = "standard"
    REDUCED = "reduced"
    REDUCED_2 = "reduced_2"
    SUPER_REDUCED = "super_reduced"
    PARKING = "parking"
    ZERO = "zero"


class Situation(StrEnum):
    """The VAT situation of an invoice, which decides its legal mentions."""

    DOMESTIC = "domestic"
    INTRA_EU_REVERSE_CHARGE = "intra_eu_reverse_charge"
    EXPORT_OUTSIDE_EU = "export_outside_eu"


class IdentifierKind(StrEnum):
    """The identifiers a jurisdiction validates."""

    NATIONAL_ID = "national_id"
    COMPANY_ID = "company_id"
    VAT_NUMBER = "vat_number"


class IdentifierError(StrEnum):
    """Machine codes of :class:`InvalidIdentifier`; stable, so clients may branch on them."""

    INVALID_CHECKSUM = "invalid_checksum"
    INVALID_FORMAT = "invalid_format"
    INVALID_LENGTH = "invalid_length"
    INVALID_COMPONENT = "invalid_component"
    NOT_SUPPORTED = "not_supported"


class InvalidIdentifier(ValueError):
    """An identifier failed validation (or its kind cannot be validated for the country)."""

    def __init__(self, code: IdentifierError, reason: str) -> None:
        super().__init__(f"{reason} [{code}]")
        self.code = code
        self.reason = reason


class FactNotFound(LookupError):
    """The node records no value answering the question for that country and date."""


@dataclass(frozen=True, slots=True)
class Fact:
    """One dated legal value: what it is, from when to when it applied, and who says so.

    ``effective`` is the first and ``until`` the last day the value applied (``None``: still in
    force). ``since_at_least`` is true when the value already applied before ``effective`` but
    the node records no earlier history, so questions about earlier dates get
    :class:`FactNotFound` rather than a guess. ``source`` is the URL of an official text and
    ``reference`` the legal citation in it.
    """

    key: str
    value: Decimal | int | str
    effective: date
    source: str
    until: date | None = None
    reference: str = ""
    note: str = ""
    since_at_least: bool = False

    def applies_on(self, on: date) -> bool:
        """Whether the value was in force on ``on``."""
        return self.effective <= on and (self.until is None or on <= self.until)


@dataclass(frozen=True, slots=True)
class LegalMention:
    """A text an invoice must carry, in the language it was asked for (or English)."""

    code: str
    text: str
    source: str
    language: str
    reference: str = ""


@dataclass(frozen=True, slots=True)
class ChartAccount:
    """Where one of the node's accounts sits in the country's chart of accounts.

    ``chart`` names the chart (``"PCMN"``, ``"PCG"``), ``number`` and ``label`` are the national
    account's number and name, ``source`` and ``reference`` say which official text defines them.
    ``auxiliary`` is set for an account that is one of many under a collective national account
    (each activity's budget): the code of the sub-ledger account, e.g. ``"ACT12"``; ``""`` else.
    """

    chart: str
    number: str
    label: str
    source: str = ""
    reference: str = ""
    auxiliary: str = ""


class JournalKind(StrEnum):
    """Which journal an entry belongs to, so a national format can file it in its own journals."""

    SALES = "sales"  # invoices and credit notes
    BANK = "bank"  # entries that move the bank account
    GENERAL = "general"  # everything else (payout approvals, shares, transfers, manual …)


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One posting (or one account's opening balance): debits positive, credits negative.

    ``chart`` is the account's place in the chart the node resolved (``None``: no number).
    """

    account: str
    account_name: str
    currency: str
    amount: Decimal
    chart: ChartAccount | None = None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One journal entry as a national export sees it (plain values, no database rows).

    ``number`` is the node's gapless ledger sequence, ``recorded_on`` the day it was posted (and
    so validated: posted entries never change), ``reference`` the supporting document (an invoice
    number) or ``""``.
    """

    number: int
    occurred_on: date
    recorded_on: date
    kind: str
    journal: JournalKind
    description: str
    reference: str
    lines: tuple[LedgerLine, ...]


@dataclass(frozen=True, slots=True)
class LedgerExtract:
    """What a national journal export receives: the entries of a period and what came before.

    ``entries`` are those dated ``start`` to ``end`` inclusive, in chronological order (date, then
    ledger sequence); they may be a generator, read once. ``opening`` holds each account's balance
    before ``start`` (non-zero balances only). ``company_id`` is the node's validated company
    number (``""`` when not configured); ``currency`` is the currency of the books.
    """

    company_id: str
    company_name: str
    currency: str
    start: date
    end: date
    opening: tuple[LedgerLine, ...]
    entries: Iterable[LedgerEntry]


@dataclass(frozen=True, slots=True)
class NationalExport:
    """A file in the country's format: its name, media type (with charset) and bytes."""

    format: str
    filename: str
    media_type: str
    content: bytes


class ExportRefused(ValueError):
    """The books cannot be written in the national format as they stand; the message says why."""


def require_decimal(amount: object) -> Decimal:
    """Return ``amount`` if it is a finite Decimal; money never goes through float."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money amounts must be Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError(f"money amount must be finite, not {amount}")
    return amount


class Jurisdiction(abc.ABC):
    """The country facts the node needs to invoice in one country.

    Abstract members are the primitive facts a country supplies; the concrete methods derive
    from them (rounding from ``minor_unit``, working-day arithmetic from ``is_working_day``) so
    every country computes them the same way.
    """

    # -- identity -------------------------------------------------------------------------

    @property
    @abc.abstractmethod
    def country(self) -> str:
        """ISO 3166-1 alpha-2 code, upper case (``"BE"``)."""

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """The country's English short name."""

    @property
    @abc.abstractmethod
    def currency(self) -> str:
        """ISO 4217 code of the currency invoices are issued in."""

    @property
    @abc.abstractmethod
    def languages(self) -> tuple[str, ...]:
        """ISO 639-1 codes of the official languages, the first being the most used."""

    # -- money ----------------------------------------------------------------------------

    @property
    @abc.abstractmethod
    def minor_unit(self) -> int:
        """Decimal places invoice amounts are rounded to (2 for EUR)."""

    @property
    def cash_increment(self) -> Decimal:
        """Smallest step of an amount paid in cash; by default the minor unit."""
        return Decimal(1).scaleb(-self.minor_unit)

    def round_money(self, amount: Decimal) -> Decimal:
        """Round half away from zero to the minor unit ("commercial" rounding).

        Symmetric for negative amounts so a credit note mirrors its invoice. Raises
        ``TypeError`` for anything but ``Decimal``: a float has already lost the cents.
        """
        require_decimal(amount)
        return amount.quantize(Decimal(1).scaleb(-self.minor_unit), rounding=ROUND_HALF_UP)

    def round_cash(self, amount: Decimal) -> Decimal:
        """Round half away from zero to :attr:`cash_increment`, for amounts paid in cash."""
        increment = self.cash_increment
        steps = (require_decimal(amount) / increment).quantize(Decimal(1), ROUND_HALF_UP)
        return self.round_money(steps * increment)

    # -- VAT ------------------------------------------------------------------------------

    @abc.abstractmethod
    def vat_rates(self, on: date) -> dict[str, Decimal]:
        """Rates in percent (``Decimal("21")``) in force on ``on``, by :class:`VatCategory`.

        Raises :class:`FactNotFound` when ``on`` precedes the recorded history.
        """

    def vat_rate(self, category: str, on: date) -> Decimal:
        """The rate of one category on ``on``; :class:`FactNotFound` if there is none."""
        rates = self.vat_rates(on)
        if category not in rates:
            known = ", ".join(rates)
            raise FactNotFound(
                f"{self.country} has no VAT category {category!r} on {on} (known: {known})"
            )
        return rates[category]

    # -- invoices -------------------------------------------------------------------------

    @abc.abstractmethod
    def invoice_mentions(self, on: date, situation: str, language: str) -> list[LegalMention]:
        """Legal mentions an invoice dated ``on`` must carry in ``situation``.

        Texts come in ``language`` when it is an official language or English, otherwise in
        English. ``ValueError`` for an unknown situation.
        """

    # -- identifiers ----------------------------------------------------------------------

    @abc.abstractmethod
    def identifier_schemes(self) -> dict[str, str]:
        """Human names of the identifier schemes validated, by :class:`IdentifierKind`."""

    @abc.abstractmethod
    def validate_identifier(self, kind: str, value: str) -> str:
        """Return the compact normalised form or raise :class:`InvalidIdentifier`.

        VAT numbers are accepted with or without the country prefix and returned with it.
        A kind the country cannot check raises ``InvalidIdentifier`` with code
        ``not_supported``: accepting anything would silently store garbage.
        """

    @abc.abstractmethod
    def format_identifier(self, kind: str, value: str) -> str:
        """Validate, then return the form people write (``"85.07.30-033.28"``)."""

    def validate_national_id(self, value: str) -> str:
        """Validate a personal identification number (see :meth:`validate_identifier`)."""
        return self.validate_identifier(IdentifierKind.NATIONAL_ID, value)

    def validate_company_id(self, value: str) -> str:
        """Validate a company registration number (see :meth:`validate_identifier`)."""
        return self.validate_identifier(IdentifierKind.COMPANY_ID, value)

    def validate_vat_number(self, value: str) -> str:
        """Validate a VAT identification number; returns it with the country prefix."""
        return self.validate_identifier(IdentifierKind.VAT_NUMBER, value)

    def format_national_id(self, value: str) -> str:
        """Format a personal identification number for display."""
        return self.format_identifier(IdentifierKind.NATIONAL_ID, value)

    def format_company_id(self, value: str) -> str:
        """Format a company registration number for display."""
        return self.format_identifier(IdentifierKind.COMPANY_ID, value)

    # -- calendar -------------------------------------------------------------------------

    @property
    def subdivisions(self) -> tuple[str, ...]:
        """Codes of regions with their own holidays (German Länder …); none by default."""
        return ()

    @abc.abstractmethod
    def public_holidays(
        self, year: int, subdivision: str | None = None, language: str | None = None
    ) -> dict[date, str]:
        """Public holidays of ``year`` (national, plus the subdivision's when given)."""

    @abc.abstractmethod
    def is_working_day(self, day: date, subdivision: str | None = None) -> bool:
        """Whether ``day`` is a working day: a weekday that is not a public holiday.

        Countries that move working days onto Saturdays (Hungary) count those Saturdays.
        """

    def add_working_days(self, start: date, days: int, subdivision: str | None = None) -> date:
        """The date ``days`` working days after ``start`` (before it when negative).

        ``start`` itself is never counted: Friday plus one working day is the next Monday
        (or later after a holiday). ``days == 0`` returns ``start``.
        """
        step = timedelta(days=1 if days >= 0 else -1)
        current, remaining = start, abs(days)
        while remaining:
            current += step
            if self.is_working_day(current, subdivision):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date, subdivision: str | None = None) -> int:
        """Count working days after ``start`` up to and including ``end``.

        Negative when ``end`` is before ``start`` (then ``end`` is counted and ``start`` is
        not), so that ``working_days_between(d, add_working_days(d, n)) == n`` for every n.
        """
        first, last, sign = (start, end, 1) if end >= start else (end, start, -1)
        count = 0
        day = first if sign < 0 else first + timedelta(days=1)
        stop = last if sign > 0 else last - timedelta(days=1)
        while day <= stop:
            count += self.is_working_day(day, subdivision)
            day += timedelta(days=1)
        return sign * count

    # -- books ----------------------------------------------------------------------------

    @property
    def chart_name(self) -> str | None:
        """Short name of the national chart of accounts (``"PCG"``); ``None`` without one."""
        return None

    def chart_account(self, key: str, on: date | None = None) -> ChartAccount | None:
        """Where the node's account ``key`` (``bank``, ``activity:12:budget`` …) sits in the
        national chart on ``on`` (default: today); ``None`` when the country has no chart or
        the account is not mapped. The default answers ``None``, so a country without a chart
        needs nothing."""
        return None

    def journal_export(self, extract: LedgerExtract) -> NationalExport | None:
        """The journal in the format the country's tax authority requires (France: the FEC).

        ``None`` when the country has no such format. Raises :class:`ExportRefused` when the
        books cannot be written in it as they stand.
        """
        return None

    # -- payroll --------------------------------------------------------------------------

    def payroll(self) -> Payroll | None:
        """The country's payroll law (:class:`plugins.payroll.contract.Payroll`): payslips and
        their inverse, the minimum wage, pre-hire and periodic declarations, host-country rules
        for posted workers. ``None`` (the default) for a country without payroll yet."""
        return None

    # -- audit ----------------------------------------------------------------------------

    @abc.abstractmethod
    def facts_source(self) -> list[Fact]:
        """Every dated value the node holds for the country, with its effective date and
        source, so an operator can audit what the node believes the law is."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.country}>"


__all__ = [
    "ChartAccount",
    "ExportRefused",
    "Fact",
    "FactNotFound",
    "IdentifierError",
    "IdentifierKind",
    "InvalidIdentifier",
    "JournalKind",
    "Jurisdiction",
    "LedgerEntry",
    "LedgerExtract",
    "LedgerLine",
    "LegalMention",
    "NationalExport",
    "Situation",
    "VatCategory",
    "require_decimal",
]
