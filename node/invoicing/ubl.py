"""A document as UBL 2.1 XML following Peppol BIS Billing 3.0, the EN 16931 e-invoice.

Belgium requires structured B2B e-invoices since 2026 and Peppol is how they travel, so the
node writes exactly the subset BIS 3.0 allows: an ``Invoice`` (type code 380) or a
``CreditNote`` (381) with the BIS customization and profile ids, both parties with their
Peppol endpoint, VAT number and legal name, SEPA credit-transfer instructions with the
structured payment reference, the VAT breakdown and the totals of
:func:`~node.invoicing.document.compute_totals`, and the lines.

This module never computes money of its own: it formats the totals with exactly two decimals
and refuses (:class:`UblError`) what BIS 3.0 would reject, rather than emit an e-invoice the
buyer's access point bounces: amounts finer than a cent, a line whose rounded net strays more
than 0.02 from quantity × price (PEPPOL-EN16931-R120, possible with whole-forint rounding), a
party without an electronic address (PEPPOL-EN16931-R010/R020). The standard library writes the
XML; no element is ever empty (PEPPOL-EN16931-R008).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # writing only; the node never parses untrusted XML here
from dataclasses import dataclass
from decimal import Decimal

from node.invoicing.document import (
    Document,
    DocumentKind,
    ElectronicAddress,
    Line,
    Party,
    Rounding,
    TaxCategory,
    Totals,
    compute_totals,
)

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE_TYPE_CODE = "380"  # UNCL1001: commercial invoice


@dataclass(frozen=True)
class Specification:
    """Which Peppol specification an invoice follows: its customization and profile ids and
    the invoice type code (BIS Billing 3.0 by default; BIS Self-Billing 3.0 says 389)."""

    customization_id: str = CUSTOMIZATION_ID
    profile_id: str = PROFILE_ID
    invoice_type_code: str = INVOICE_TYPE_CODE


BIS_BILLING = Specification()
CREDIT_NOTE_TYPE_CODE = "381"  # UNCL1001: credit note
CREDIT_TRANSFER = "30"  # UNCL4461
SEPA_CREDIT_TRANSFER = "58"  # UNCL4461: only for euro payments to an IBAN of the SEPA zone
R120_SLACK = Decimal("0.02")

NAMESPACES = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
ET.register_namespace("cac", NAMESPACES["cac"])
ET.register_namespace("cbc", NAMESPACES["cbc"])

# Peppol EAS codes (code list "Electronic Address Identifier Scheme") of national VAT numbers,
# by ISO country. Belgium is absent on purpose: every Belgian company must be reachable under
# its enterprise number (0208) since 2026, while 9925 (Belgian VAT) is optional.
VAT_ENDPOINT_SCHEMES = {
    "AT": "9914", "BG": "9926", "CY": "9928", "CZ": "9929", "DE": "9930", "EE": "9931",
    "ES": "9920", "FR": "9957", "GR": "9933", "HR": "9934", "HU": "9910", "IE": "9935",
    "IT": "0211", "LT": "9937", "LU": "9938", "LV": "9939", "MT": "9943", "NL": "9944",
    "PL": "9945", "PT": "9946", "RO": "9947", "SI": "9949", "SK": "9950",
}  # fmt: skip
BELGIAN_ENTERPRISE_NUMBER = "0208"
# ISO 6523 ICD of the legal registration identifier (BT-30), where the node knows it.
LEGAL_ID_SCHEMES = {"BE": BELGIAN_ENTERPRISE_NUMBER, "FR": "0002"}


class UblError(ValueError):
    """The document cannot be written as a Peppol BIS 3.0 e-invoice; the message says why."""


def endpoint_of(party: Party) -> ElectronicAddress:
    """The party's Peppol electronic address (BT-34/BT-49), mandatory in BIS 3.0.

    The address recorded on the party wins. Otherwise a Belgian party is addressed by its
    enterprise number (scheme 0208, under which every Belgian company must be registered), and
    a party of another member state by its VAT number under that country's VAT scheme; an
    access point then finds the buyer if it registered that way. Anything else raises.
    """
    if party.electronic_address is not None:
        return party.electronic_address
    if party.country == "BE":
        digits = "".join(ch for ch in party.company_id or party.vat_number if ch.isdigit())
        if len(digits) == 10:
            return ElectronicAddress(BELGIAN_ENTERPRISE_NUMBER, digits)
    scheme = VAT_ENDPOINT_SCHEMES.get(party.country)
    if scheme and party.vat_number:
        return ElectronicAddress(scheme, party.vat_number.replace(" ", "").upper())
    raise UblError(
        f"{party.name} has no Peppol electronic address and none follows from its identifiers "
        "(PEPPOL-EN16931-R010/R020): record the address it receives e-invoices at"
    )


def to_ubl(
    document: Document, rounding: Rounding, specification: Specification = BIS_BILLING
) -> bytes:
    """The document as a UTF-8 UBL 2.1 ``Invoice`` or ``CreditNote`` (Peppol BIS 3.0, or the
    ``specification`` given)."""
    totals = compute_totals(document, rounding)
    for line, net in zip(document.lines, totals.line_net_amounts, strict=True):
        drift = abs(net - line.quantity * line.unit_price)
        if drift > R120_SLACK:
            raise UblError(
                f"line {line.id}: net {net} differs by {drift} from quantity × price; Peppol "
                f"allows {R120_SLACK} (PEPPOL-EN16931-R120): choose a price or quantity whose "
                "product is a whole amount of the currency's unit"
            )
    root = _Writer(document, totals, specification).root()
    ET.indent(root)  # for people reading it; leaves stay without whitespace
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _number(value: Decimal) -> str:
    """A quantity, price or percent without exponent or trailing zeros (``21``, ``5.5``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


class _Writer:
    """Builds the element tree; one method per EN 16931 group, in UBL schema order."""

    def __init__(self, document: Document, totals: Totals, specification: Specification) -> None:
        self.document = document
        self.totals = totals
        self.specification = specification
        self.invoice = document.kind is DocumentKind.INVOICE

    def el(self, parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        prefix, name = tag.split(":")
        element = ET.SubElement(parent, f"{{{NAMESPACES[prefix]}}}{name}", attrs)
        if text is not None:
            if not text.strip():
                raise UblError(f"{name} would be empty (PEPPOL-EN16931-R008)")
            element.text = text
        return element

    def optional(self, parent: ET.Element, tag: str, text: str) -> None:
        if text.strip():
            self.el(parent, tag, text)

    def amount(self, parent: ET.Element, tag: str, value: Decimal) -> None:
        if value != value.quantize(Decimal("0.01")):
            raise UblError(f"{tag} {value} has more than two decimals (BR-DEC)")
        text = f"{value + 0:.2f}"  # + 0 turns a negative zero into 0.00
        self.el(parent, tag, text, currencyID=self.document.currency)

    def root(self) -> ET.Element:
        doc = self.document
        kind = "Invoice" if self.invoice else "CreditNote"
        # The root's namespace is declared as the default by hand: ElementTree's own
        # default_namespace option refuses the unprefixed attributes UBL uses (currencyID …).
        root = ET.Element(kind, xmlns=NAMESPACES[kind])
        self.el(root, "cbc:CustomizationID", self.specification.customization_id)
        self.el(root, "cbc:ProfileID", self.specification.profile_id)
        self.el(root, "cbc:ID", doc.number)
        self.el(root, "cbc:IssueDate", doc.issue_date.isoformat())
        if self.invoice:
            if doc.due_date is not None:
                self.el(root, "cbc:DueDate", doc.due_date.isoformat())
            self.el(root, "cbc:InvoiceTypeCode", self.specification.invoice_type_code)
        else:
            self.el(root, "cbc:CreditNoteTypeCode", CREDIT_NOTE_TYPE_CODE)
        # One note at most (PEPPOL-EN16931-R002): the legal mentions, one per line.
        self.optional(root, "cbc:Note", "\n".join(doc.legal_mentions))
        self.el(root, "cbc:DocumentCurrencyCode", doc.currency)
        # BIS requires a buyer reference or an order reference (PEPPOL-EN16931-R003); when the
        # buyer gave none, the document number is the reference both sides know.
        self.el(root, "cbc:BuyerReference", doc.buyer_reference or doc.number)
        if doc.preceding_invoice is not None:
            reference = self.el(
                self.el(root, "cac:BillingReference"), "cac:InvoiceDocumentReference"
            )
            self.el(reference, "cbc:ID", doc.preceding_invoice.number)
            if doc.preceding_invoice.issue_date is not None:
                self.el(reference, "cbc:IssueDate", doc.preceding_invoice.issue_date.isoformat())
        self.party(self.el(root, "cac:AccountingSupplierParty"), doc.seller)
        self.party(self.el(root, "cac:AccountingCustomerParty"), doc.buyer)
        self.payment(root)
        self.tax_total(root)
        self.monetary_total(root)
        for line, net in zip(doc.lines, self.totals.line_net_amounts, strict=True):
            self.line(root, line, net)
        return root

    def party(self, parent: ET.Element, party: Party) -> None:
        node = self.el(parent, "cac:Party")
        endpoint = endpoint_of(party)
        self.el(node, "cbc:EndpointID", endpoint.identifier, schemeID=endpoint.scheme)
        address = self.el(node, "cac:PostalAddress")
        self.el(address, "cbc:StreetName", party.address.street)
        self.optional(address, "cbc:AdditionalStreetName", party.address.additional_street)
        self.el(address, "cbc:CityName", party.address.city)
        self.optional(address, "cbc:PostalZone", party.address.postal_code)
        self.el(self.el(address, "cac:Country"), "cbc:IdentificationCode", party.country)
        if party.vat_number:
            tax_scheme = self.el(node, "cac:PartyTaxScheme")
            self.el(tax_scheme, "cbc:CompanyID", party.vat_number)
            self.el(self.el(tax_scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
        legal = self.el(node, "cac:PartyLegalEntity")
        self.el(legal, "cbc:RegistrationName", party.name)
        if party.company_id:
            scheme = LEGAL_ID_SCHEMES.get(party.country)
            if scheme is None:
                self.el(legal, "cbc:CompanyID", party.company_id)
            else:  # ICD identifiers are digits only (0208 is checked: PEPPOL-COMMON-R043)
                digits = "".join(ch for ch in party.company_id if ch.isdigit())
                self.el(legal, "cbc:CompanyID", digits, schemeID=scheme)
        if party.contact_name or party.telephone or party.email:
            contact = self.el(node, "cac:Contact")
            self.optional(contact, "cbc:Name", party.contact_name)
            self.optional(contact, "cbc:Telephone", party.telephone)
            self.optional(contact, "cbc:ElectronicMail", party.email)

    def payment(self, root: ET.Element) -> None:
        """Credit-transfer instructions on invoices (a credit note is refunded to the buyer,
        so the seller's account would be the wrong one to show there)."""
        doc = self.document
        if self.invoice and doc.seller.iban:
            means = self.el(root, "cac:PaymentMeans")
            sepa = doc.currency == "EUR"
            self.el(
                means, "cbc:PaymentMeansCode", SEPA_CREDIT_TRANSFER if sepa else CREDIT_TRANSFER
            )
            self.optional(means, "cbc:PaymentID", doc.payment_reference)
            account = self.el(means, "cac:PayeeFinancialAccount")
            self.el(account, "cbc:ID", doc.seller.iban.replace(" ", ""))
        if doc.payment_terms.strip():
            self.el(self.el(root, "cac:PaymentTerms"), "cbc:Note", doc.payment_terms)

    def category(self, parent: ET.Element, tag: str, tax: TaxCategory, reason: bool) -> None:
        node = self.el(parent, tag)
        self.el(node, "cbc:ID", tax.code.value)
        if tax.rate is not None:  # an out-of-scope supply has no rate (BR-O-05)
            self.el(node, "cbc:Percent", _number(tax.rate))
        if reason:
            self.optional(node, "cbc:TaxExemptionReasonCode", tax.exemption_reason_code)
            self.optional(node, "cbc:TaxExemptionReason", tax.exemption_reason)
        self.el(self.el(node, "cac:TaxScheme"), "cbc:ID", "VAT")

    def tax_total(self, root: ET.Element) -> None:
        total = self.el(root, "cac:TaxTotal")
        self.amount(total, "cbc:TaxAmount", self.totals.tax_amount)
        for group in self.totals.vat_breakdown:
            subtotal = self.el(total, "cac:TaxSubtotal")
            self.amount(subtotal, "cbc:TaxableAmount", group.taxable_amount)
            self.amount(subtotal, "cbc:TaxAmount", group.tax_amount)
            self.category(subtotal, "cac:TaxCategory", group.category, reason=True)

    def monetary_total(self, root: ET.Element) -> None:
        total = self.el(root, "cac:LegalMonetaryTotal")
        self.amount(total, "cbc:LineExtensionAmount", self.totals.line_extension_amount)
        self.amount(total, "cbc:TaxExclusiveAmount", self.totals.tax_exclusive_amount)
        self.amount(total, "cbc:TaxInclusiveAmount", self.totals.tax_inclusive_amount)
        self.amount(total, "cbc:PayableAmount", self.totals.payable_amount)

    def line(self, root: ET.Element, line: Line, net: Decimal) -> None:
        node = self.el(root, "cac:InvoiceLine" if self.invoice else "cac:CreditNoteLine")
        self.el(node, "cbc:ID", line.id)
        quantity = "cbc:InvoicedQuantity" if self.invoice else "cbc:CreditedQuantity"
        self.el(node, quantity, _number(line.quantity), unitCode=line.unit_code)
        self.amount(node, "cbc:LineExtensionAmount", net)
        item = self.el(node, "cac:Item")
        self.el(item, "cbc:Name", line.description)
        self.category(item, "cac:ClassifiedTaxCategory", line.tax, reason=False)
        price = self.el(node, "cac:Price")
        self.el(
            price, "cbc:PriceAmount", _number(line.unit_price), currencyID=self.document.currency
        )
