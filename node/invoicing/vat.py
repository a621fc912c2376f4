"""Which VAT applies to a document, decided from the VAT situation and the seller's jurisdiction.

:func:`build_document` turns what a member asks for (:class:`LineItem`) into a
:class:`~node.invoicing.document.Document` whose VAT category, rate, exemption reason and legal
mentions come from the seller country's :class:`~plugins.jurisdiction.Jurisdiction`, for the
issue date (a German invoice of 2020-09-01 gets the temporary 16 %):

* ``domestic`` — category ``S`` at the rate of the line's tier (``Z`` when that tier is 0 %);
* ``intra_eu_reverse_charge`` — ``AE`` at 0 %, exemption reason ``VATEX-EU-AE`` and the
  reverse-charge mention; only between two different member states and with both VAT numbers
  valid (VAT Directive 2006/112/EC art. 196, 226(3), 226(4) and 226(11a));
* ``export_outside_eu`` — ``G`` at 0 %, ``VATEX-EU-G`` and the export mention (art. 146), for a
  buyer outside the EU.

It refuses, with an :class:`~node.invoicing.document.InvoiceError` naming the field, whatever
would make the document unlawful or inconsistent: reverse charge without both VAT numbers, a
buyer in the seller's own country marked intra-EU, an "export" to a member state, an invalid
VAT number or IBAN, a VAT tier the country does not have on that date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from node.invoicing.document import (
    Document,
    DocumentKind,
    InvoiceError,
    Line,
    Party,
    PrecedingInvoice,
    TaxCategory,
    VatCode,
)
from plugins.jurisdiction import (
    FactNotFound,
    InvalidIdentifier,
    Jurisdiction,
    Situation,
    VatCategory,
    require_decimal,
)

EU_MEMBER_STATES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()  # noqa: SIM905
)
"""The 27 member states (ISO 3166 codes) since the United Kingdom left on 2020-01-31."""

REVERSE_CHARGE_REASON_CODE = "VATEX-EU-AE"
EXPORT_REASON_CODE = "VATEX-EU-G"
# Used only when a jurisdiction records no mention for the situation: EN 16931 wants a reason.
_DEFAULT_REASONS = {
    Situation.INTRA_EU_REVERSE_CHARGE: "Reverse charge",
    Situation.EXPORT_OUTSIDE_EU: "Export outside the EU",
}


@dataclass(frozen=True, slots=True)
class LineItem:
    """A line as a member asks for it, before VAT is decided.

    ``vat_tier`` names a tier of the seller country's schedule
    (:class:`~plugins.jurisdiction.VatCategory`: ``standard``, ``reduced_2`` …); it matters for
    domestic supplies only, since reverse-charged and exported supplies bear no VAT.
    """

    description: str
    quantity: Decimal
    unit_price: Decimal
    unit_code: str = "HUR"
    vat_tier: str = VatCategory.STANDARD

    def __post_init__(self) -> None:
        require_decimal(self.quantity)
        require_decimal(self.unit_price)


def build_document(
    jurisdiction: Jurisdiction,
    *,
    situation: Situation | str,
    number: str,
    issue_date: date,
    seller: Party,
    buyer: Party,
    items: Sequence[LineItem],
    kind: DocumentKind | str = DocumentKind.INVOICE,
    due_date: date | None = None,
    payment_terms: str = "",
    payment_reference: str = "",
    preceding_invoice: PrecedingInvoice | None = None,
    buyer_reference: str = "",
    language: str | None = None,
) -> Document:
    """A document of ``seller`` (in ``jurisdiction``'s country) with VAT decided for ``situation``.

    VAT numbers come back normalised with their country prefix and the IBAN compact. Mentions
    are in ``language`` (default: the country's first official language; English when the
    jurisdiction has no text in that language). An invoice needs the seller's IBAN and a due
    date (BR-CO-25); a credit note needs the invoice it corrects.
    """
    try:
        situation = Situation(situation)
    except ValueError:
        raise InvoiceError("situation", f"unknown VAT situation {situation!r}") from None
    try:
        kind = DocumentKind(kind)
    except ValueError:
        raise InvoiceError("kind", f"unknown document kind {kind!r}") from None
    if seller.country != jurisdiction.country:
        raise InvoiceError(
            "seller.address.country",
            f"the seller is in {seller.country} but the jurisdiction is {jurisdiction.country}",
        )
    seller = replace(seller, vat_number=_seller_vat_number(jurisdiction, seller))
    buyer = replace(buyer, vat_number=_buyer_vat_number(jurisdiction, buyer))
    if kind is DocumentKind.INVOICE:
        seller = replace(seller, iban=_iban(seller.iban))
        if due_date is None:
            raise InvoiceError("due_date", "an invoice states when it must be paid (BR-CO-25)")
    _check_situation(situation, seller, buyer)
    mentions = jurisdiction.invoice_mentions(
        issue_date, situation, language or jurisdiction.languages[0]
    )
    texts = tuple(mention.text for mention in mentions)
    lines = tuple(
        Line(
            id=str(index),
            description=item.description,
            quantity=item.quantity,
            unit_price=item.unit_price,
            tax=_tax_category(jurisdiction, situation, item, issue_date, texts, index),
            unit_code=item.unit_code,
        )
        for index, item in enumerate(items, start=1)
    )
    return Document(
        kind=kind,
        number=number,
        issue_date=issue_date,
        currency=jurisdiction.currency,
        seller=seller,
        buyer=buyer,
        lines=lines,
        situation=situation,
        due_date=due_date,
        payment_terms=payment_terms,
        payment_reference=payment_reference,
        preceding_invoice=preceding_invoice,
        legal_mentions=texts,
        buyer_reference=buyer_reference,
    )


def _tax_category(
    jurisdiction: Jurisdiction,
    situation: Situation,
    item: LineItem,
    on: date,
    mentions: tuple[str, ...],
    index: int,
) -> TaxCategory:
    if situation is Situation.DOMESTIC:
        try:
            rate = jurisdiction.vat_rate(item.vat_tier, on)
        except FactNotFound as error:
            raise InvoiceError(f"items[{index}].vat_tier", str(error)) from None
        return TaxCategory(VatCode.STANDARD if rate > 0 else VatCode.ZERO, rate)
    reason = mentions[0] if mentions else _DEFAULT_REASONS[situation]
    if situation is Situation.INTRA_EU_REVERSE_CHARGE:
        return TaxCategory(VatCode.REVERSE_CHARGE, Decimal(0), reason, REVERSE_CHARGE_REASON_CODE)
    return TaxCategory(VatCode.EXPORT, Decimal(0), reason, EXPORT_REASON_CODE)


def _check_situation(situation: Situation, seller: Party, buyer: Party) -> None:
    """Refuse a situation the parties' countries and VAT numbers contradict."""
    country = buyer.country
    if situation is Situation.INTRA_EU_REVERSE_CHARGE:
        if country == seller.country:
            raise InvoiceError(
                "situation",
                f"the buyer is in the seller's country ({country}): that supply is domestic, "
                "not intra-EU reverse charge",
            )
        if country not in EU_MEMBER_STATES or seller.country not in EU_MEMBER_STATES:
            raise InvoiceError(
                "situation", f"intra-EU reverse charge needs two EU member states, not {country}"
            )
        if not buyer.vat_number:
            raise InvoiceError(
                "buyer.vat_number", "reverse charge needs the buyer's VAT number (art. 226(4))"
            )
    elif situation is Situation.EXPORT_OUTSIDE_EU and country in EU_MEMBER_STATES:
        raise InvoiceError(
            "situation", f"the buyer is in {country}, an EU member state: not an export"
        )


def _seller_vat_number(jurisdiction: Jurisdiction, seller: Party) -> str:
    """The seller's VAT number, checked by its own jurisdiction: every supply we invoice is
    taxable, so an invoice without it would be unlawful (VAT Directive art. 226(3))."""
    if not seller.vat_number.strip():
        raise InvoiceError("seller.vat_number", "the seller's VAT number is required")
    try:
        return jurisdiction.validate_vat_number(seller.vat_number)
    except InvalidIdentifier as error:
        raise InvoiceError("seller.vat_number", error.reason) from None


def _buyer_vat_number(jurisdiction: Jurisdiction, buyer: Party) -> str:
    """The buyer's VAT number: checked by the jurisdiction for a buyer in its country, by
    python-stdnum's EU module for other member states; kept as given outside the EU."""
    value = buyer.vat_number.strip()
    if not value:
        return ""
    try:
        if buyer.country == jurisdiction.country:
            return jurisdiction.validate_vat_number(value)
        if buyer.country not in EU_MEMBER_STATES:
            return value
        prefix = "EL" if buyer.country == "GR" else buyer.country
        number = "".join(ch for ch in value if ch.isalnum()).upper()
        number = number if number[:2].isalpha() else prefix + number
        if not number.startswith(prefix):
            raise InvoiceError("buyer.vat_number", f"{value} is not a VAT number of {prefix}")
        return str(eu_vat.validate(number))
    except InvalidIdentifier as error:
        raise InvoiceError("buyer.vat_number", error.reason) from None
    except ValidationError as error:
        raise InvoiceError("buyer.vat_number", f"{value}: {error}") from None


def _iban(value: str) -> str:
    """The seller's IBAN, compact: an invoice must say where to pay (BR-61 for transfers)."""
    if not value.strip():
        raise InvoiceError("seller.iban", "an invoice needs the account to pay to")
    try:
        return str(IBAN(value).compact)
    except SchwiftyException as error:
        raise InvoiceError("seller.iban", f"{value}: {error}") from None
