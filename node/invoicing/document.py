"""The invoice or credit note as a document: who sells what to whom, and which VAT applies.

A :class:`Document` is immutable and holds only what the law and EN 16931 ask an invoice to say.
The amounts that follow from it (line nets, VAT per category, totals) are computed by
:func:`compute_totals`, never stored beside it, so they cannot disagree with the lines. Money
is ``Decimal`` only: a float has already lost the cents.

VAT categories are the UNCL5305 codes of EN 16931 (:class:`VatCode`). The constructors check
the combinations EN 16931 forbids (a standard rate of 0 %, reverse charge at 21 %, an exemption
reason on a taxed line …), so neither :mod:`node.invoicing.ubl` nor a hand-built document can
produce them. Choosing the category for a VAT situation is law and lives in
:mod:`node.invoicing.vat` (``build_document``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from plugins.jurisdiction import Situation, require_decimal

Rounding = Callable[[Decimal], Decimal]
"""Rounds an amount to the currency's minor unit; :meth:`Jurisdiction.round_money` is one."""

_COUNTRY = re.compile(r"[A-Z]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_UNIT_CODE = re.compile(r"[A-Z0-9]{1,3}")  # UN/ECE recommendations 20 and 21
_SCHEME = re.compile(r"[0-9]{4}|[A-Z]{2}")  # ISO 6523 ICD or a UNCL3155 code


class InvoiceError(ValueError):
    """Input that cannot make a lawful document; ``field`` names the culprit for API errors."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class DocumentKind(StrEnum):
    """An invoice claims money; a credit note cancels (part of) an earlier invoice."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class VatCode(StrEnum):
    """UNCL5305 VAT category codes as used by EN 16931 (BT-118, BT-151)."""

    STANDARD = "S"
    REVERSE_CHARGE = "AE"
    EXPORT = "G"
    EXEMPT = "E"
    ZERO = "Z"
    OUT_OF_SCOPE = "O"


# Categories that are taxed at 0 % by definition (BR-AE-05, BR-G-05, BR-E-05, BR-Z-05) and those
# whose breakdown must say why no VAT is charged (BR-AE-10, BR-G-10, BR-E-10, BR-O-10); S and Z
# must not carry an exemption reason (BR-S-10, BR-Z-10).
ZERO_RATE_CODES = frozenset({VatCode.REVERSE_CHARGE, VatCode.EXPORT, VatCode.EXEMPT, VatCode.ZERO})
EXEMPTION_CODES = frozenset(
    {VatCode.REVERSE_CHARGE, VatCode.EXPORT, VatCode.EXEMPT, VatCode.OUT_OF_SCOPE}
)


# The one category a situation other than domestic allows on every line.
_SITUATION_CODES = {
    Situation.INTRA_EU_REVERSE_CHARGE: VatCode.REVERSE_CHARGE,
    Situation.EXPORT_OUTSIDE_EU: VatCode.EXPORT,
}


def _require_text(value: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvoiceError(field, "must not be empty")
    return value


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address; ``country`` (ISO 3166-1 alpha-2) is what the VAT rules turn on."""

    street: str
    city: str
    postal_code: str
    country: str
    additional_street: str = ""

    def __post_init__(self) -> None:
        _require_text(self.street, "address.street")
        _require_text(self.city, "address.city")
        if not _COUNTRY.fullmatch(self.country):
            raise InvoiceError("address.country", f"{self.country!r} is not an ISO 3166 code")


@dataclass(frozen=True, slots=True)
class ElectronicAddress:
    """Where a party receives e-invoices: a Peppol EAS ``scheme`` (``0208``) and identifier."""

    scheme: str
    identifier: str

    def __post_init__(self) -> None:
        if not _SCHEME.fullmatch(self.scheme):
            raise InvoiceError("electronic_address.scheme", f"{self.scheme!r} is no EAS code")
        _require_text(self.identifier, "electronic_address.identifier")


@dataclass(frozen=True, slots=True)
class Party:
    """The seller or the buyer.

    ``vat_number`` carries its country prefix (``BE0403019261``); ``company_id`` is the
    national registration number (the Belgian enterprise number, a French SIREN). ``iban`` is
    where the seller wants to be paid; ``electronic_address`` is the Peppol endpoint when known
    (:func:`node.invoicing.ubl.endpoint_of` derives one from the identifiers otherwise). The
    contact fields are optional, except that German e-invoices between German parties need
    all three for the seller (XRechnung rules DE-R-005 to DE-R-007).
    """

    name: str
    address: Address
    vat_number: str = ""
    company_id: str = ""
    iban: str = ""
    email: str = ""
    electronic_address: ElectronicAddress | None = None
    contact_name: str = ""
    telephone: str = ""

    def __post_init__(self) -> None:
        _require_text(self.name, "party.name")

    @property
    def country(self) -> str:
        return self.address.country


@dataclass(frozen=True, slots=True)
class TaxCategory:
    """A line's VAT category and rate (percent), with the exemption reason where one is due.

    Equal categories form one VAT breakdown group, so two lines with the same code and rate
    but a different reason would need two groups for one rate, which EN 16931 forbids.
    """

    code: VatCode
    rate: Decimal | None
    exemption_reason: str = ""
    exemption_reason_code: str = ""

    def __post_init__(self) -> None:
        code = VatCode(self.code)
        object.__setattr__(self, "code", code)
        if code is VatCode.OUT_OF_SCOPE:
            if self.rate is not None:
                raise InvoiceError("tax.rate", "a supply out of scope of VAT has no rate (BR-O-05)")
        elif self.rate is None:
            raise InvoiceError("tax.rate", f"category {code} needs a rate")
        elif code is VatCode.STANDARD and require_decimal(self.rate) <= 0:
            raise InvoiceError("tax.rate", "a standard rate must be above 0 % (BR-S-05)")
        elif code in ZERO_RATE_CODES and require_decimal(self.rate) != 0:
            raise InvoiceError("tax.rate", f"category {code} is taxed at 0 %, not {self.rate} %")
        explained = bool(self.exemption_reason.strip() or self.exemption_reason_code.strip())
        if code in EXEMPTION_CODES and not explained:
            raise InvoiceError("tax.exemption_reason", f"category {code} must say why no VAT")
        if code not in EXEMPTION_CODES and explained:
            raise InvoiceError("tax.exemption_reason", f"category {code} is not an exemption")


@dataclass(frozen=True, slots=True)
class Line:
    """One invoice line: ``quantity`` of ``unit_code`` (UN/ECE rec. 20: ``HUR`` hours, ``DAY``,
    ``C62`` one) at ``unit_price`` excluding VAT."""

    id: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax: TaxCategory
    unit_code: str = "HUR"

    def __post_init__(self) -> None:
        _require_text(self.id, "line.id")
        _require_text(self.description, "line.description")
        if require_decimal(self.quantity) == 0:
            raise InvoiceError("line.quantity", "a line of nothing is a mistake")
        if require_decimal(self.unit_price) < 0:
            raise InvoiceError("line.unit_price", "an item price is never negative (BR-27)")
        if not _UNIT_CODE.fullmatch(self.unit_code):
            raise InvoiceError("line.unit_code", f"{self.unit_code!r} is no UN/ECE unit code")


@dataclass(frozen=True, slots=True)
class PrecedingInvoice:
    """The invoice a credit note corrects (EN 16931 BG-3)."""

    number: str
    issue_date: date | None = None

    def __post_init__(self) -> None:
        _require_text(self.number, "preceding_invoice.number")


@dataclass(frozen=True, slots=True)
class Document:
    """An invoice or credit note, ready to be numbered, stored, printed or sent over Peppol.

    ``legal_mentions`` are texts the jurisdiction requires on the document (reverse charge,
    recovery fee …); ``payment_reference`` is the structured reference (Belgian OGM or RF)
    the buyer quotes when paying; ``buyer_reference`` is the buyer's own reference (BT-10).
    """

    kind: DocumentKind
    number: str
    issue_date: date
    currency: str
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    situation: Situation
    due_date: date | None = None
    payment_terms: str = ""
    payment_reference: str = ""
    preceding_invoice: PrecedingInvoice | None = None
    legal_mentions: tuple[str, ...] = ()
    buyer_reference: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", DocumentKind(self.kind))
        object.__setattr__(self, "situation", Situation(self.situation))
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "legal_mentions", tuple(self.legal_mentions))
        _require_text(self.number, "number")
        if not _CURRENCY.fullmatch(self.currency):
            raise InvoiceError("currency", f"{self.currency!r} is not an ISO 4217 code")
        if not self.lines:
            raise InvoiceError("lines", "a document needs at least one line (BR-16)")
        if len({line.id for line in self.lines}) != len(self.lines):
            raise InvoiceError("lines", "line ids must be unique")
        if self.due_date is not None and self.due_date < self.issue_date:
            raise InvoiceError("due_date", "the due date precedes the issue date")
        if self.kind is DocumentKind.CREDIT_NOTE:
            if self.preceding_invoice is None:
                raise InvoiceError(
                    "preceding_invoice", "a credit note names the invoice it corrects"
                )
            if self.due_date is not None:
                raise InvoiceError("due_date", "a credit note is not paid by the buyer")
        self._check_vat()

    def _check_vat(self) -> None:
        """Refuse VAT combinations EN 16931 or the situation rule out, so that no serialiser
        has to second-guess a document it is given."""
        categories = {line.tax for line in self.lines}
        groups = {(tax.code, tax.rate) for tax in categories}
        if len(groups) != len(categories):
            raise InvoiceError("lines", "one VAT category and rate needs one exemption reason")
        codes = {tax.code for tax in categories}
        expected = _SITUATION_CODES.get(self.situation)
        if expected is not None and codes != {expected}:
            raise InvoiceError("lines", f"a {self.situation} document has only {expected} lines")
        if self.situation is Situation.DOMESTIC and codes & set(_SITUATION_CODES.values()):
            raise InvoiceError("lines", "a domestic document has no reverse-charge or export lines")
        if VatCode.OUT_OF_SCOPE in codes:
            if len(codes) > 1:
                raise InvoiceError(
                    "lines", "out-of-scope lines cannot mix with taxed ones (BR-O-11)"
                )
            if self.seller.vat_number or self.buyer.vat_number:
                raise InvoiceError("lines", "an out-of-scope document has no VAT numbers (BR-O-02)")
        elif not self.seller.vat_number:
            raise InvoiceError("seller.vat_number", "required for VAT category " + min(codes))
        if VatCode.REVERSE_CHARGE in codes and not self.buyer.vat_number:
            raise InvoiceError("buyer.vat_number", "reverse charge needs the buyer's VAT number")


@dataclass(frozen=True, slots=True)
class VatSubtotal:
    """One group of the VAT breakdown (BG-23): a category and rate, its base and its VAT."""

    category: TaxCategory
    taxable_amount: Decimal
    tax_amount: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    """Everything :func:`compute_totals` derives, named after the EN 16931 business terms."""

    line_net_amounts: tuple[Decimal, ...]  # BT-131, one per line
    vat_breakdown: tuple[VatSubtotal, ...]  # BG-23
    line_extension_amount: Decimal  # BT-106
    tax_exclusive_amount: Decimal  # BT-109
    tax_amount: Decimal  # BT-110
    tax_inclusive_amount: Decimal  # BT-112
    payable_amount: Decimal  # BT-115


def compute_totals(document: Document, rounding: Rounding) -> Totals:
    """Line nets, VAT breakdown and totals of ``document``, rounded with ``rounding``.

    Each line net (quantity × price) is rounded on its own, as printed on the document, and the
    totals add the rounded nets, so the printed lines always add up. The VAT of each category
    and rate is its taxable amount × rate / 100, rounded once (BR-CO-17), never a sum of
    per-line VAT. ``rounding`` is the jurisdiction's (half up to the minor unit; whole forints
    for HUF). There are no document-level allowances, charges or prepayments, so the amount
    without VAT equals the sum of the lines and the amount due equals the amount with VAT.
    """
    nets = tuple(
        require_decimal(rounding(line.quantity * line.unit_price)) for line in document.lines
    )
    taxable: dict[TaxCategory, Decimal] = {}
    for line, net in zip(document.lines, nets, strict=True):
        taxable[line.tax] = taxable.get(line.tax, Decimal(0)) + net
    breakdown = tuple(
        VatSubtotal(category, base, rounding(base * (category.rate or Decimal(0)) / 100))
        for category, base in taxable.items()
    )
    line_total = sum(nets, Decimal(0))
    vat_total = sum((group.tax_amount for group in breakdown), Decimal(0))
    return Totals(
        line_net_amounts=nets,
        vat_breakdown=breakdown,
        line_extension_amount=line_total,
        tax_exclusive_amount=line_total,
        tax_amount=vat_total,
        tax_inclusive_amount=line_total + vat_total,
        payable_amount=line_total + vat_total,
    )
