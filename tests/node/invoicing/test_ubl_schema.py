"""Every generated invoice and credit note is valid UBL 2.1 (the OASIS XSD), and says what it must.

The schemas are read from the shared standards folder (fixture ``standards_dir``) and loaded by
path, since they import ``../common/…``. The validator is first shown to accept OpenPEPPOL's
example documents and to reject broken copies of them, so a pass means something.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from node.invoicing.document import Address, ElectronicAddress, Party
from node.invoicing.ubl import CUSTOMIZATION_ID, PROFILE_ID, UblError, endpoint_of, to_ubl
from node.invoicing.vat import LineItem, build_document
from tests.node.invoicing.test_document import (
    BE_BUYER,
    BE_SELLER,
    CH_BUYER,
    DE_BUYER,
    HU_BUYER,
    HU_SELLER,
    SAMPLES,
    jurisdiction,
)

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
EXAMPLES = [
    "base-example.xml",
    "base-creditnote-correction.xml",
    "base-negative-inv-correction.xml",
    "Allowance-example.xml",
    "sales-order-example.xml",
    "Vat-category-S.xml",
    "vat-category-E.xml",
    "vat-category-O.xml",
    "vat-category-Z.xml",
]
CREDIT_NOTES = {"base-creditnote-correction.xml"}


@functools.cache
def sample_xml(name: str) -> bytes:
    """The sample document ``name`` of test_document as UBL, rounded by its jurisdiction."""
    document = SAMPLES[name]()
    return to_ubl(document, jurisdiction(document.seller.country).round_money)


def parse(xml: bytes) -> etree._ElementTree:
    return etree.ElementTree(etree.fromstring(xml))


@functools.cache
def _schemas(folder: Path) -> dict[str, etree.XMLSchema]:
    maindoc = folder / "ubl-2.1" / "xsd" / "maindoc"
    return {
        kind: etree.XMLSchema(etree.parse(str(maindoc / f"UBL-{kind}-2.1.xsd")))
        for kind in ("Invoice", "CreditNote")
    }


@pytest.fixture
def validate(standards_dir: Path) -> Callable[[etree._ElementTree], list[str]]:
    """Validate a document against the schema of its root element; the errors, if any."""
    schemas = _schemas(standards_dir)

    def errors(tree: etree._ElementTree) -> list[str]:
        schema = schemas[etree.QName(tree.getroot()).localname]
        schema.validate(tree)
        return [f"line {e.line}: {e.message}" for e in schema.error_log]

    return errors


def example(standards_dir: Path, name: str) -> etree._ElementTree:
    return etree.parse(str(standards_dir / "peppol-bis-billing-3" / "examples" / name))


# -- the validator can pass and fail ------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_validator_accepts_openpeppol_examples(
    standards_dir: Path, validate: Callable[[etree._ElementTree], list[str]], name: str
) -> None:
    tree = example(standards_dir, name)
    expected = "CreditNote" if name in CREDIT_NOTES else "Invoice"
    assert etree.QName(tree.getroot()).localname == expected
    assert validate(tree) == []


def _drop(path: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        element = root.find(path, NS)
        assert element is not None
        element.getparent().remove(element)

    return change


def _set(path: str, text: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        element = root.find(path, NS)
        assert element is not None
        element.text = text

    return change


def _swap_dates(root: etree._Element) -> None:
    due = root.find("cbc:DueDate", NS)
    assert due is not None
    root.remove(due)
    root.insert(root.index(root.find("cbc:InvoiceTypeCode", NS)) + 1, due)


def _unknown_element(root: etree._Element) -> None:
    etree.SubElement(root, f"{{{NS['cbc']}}}Colour").text = "blue"


BREAKAGES: dict[str, Callable[[etree._Element], None]] = {
    "missing-invoice-number": _drop("cbc:ID"),
    "missing-supplier": _drop("cac:AccountingSupplierParty"),
    "elements-out-of-order": _swap_dates,
    "unknown-element": _unknown_element,
    "invalid-date": _set("cbc:IssueDate", "13/11/2017"),
    "amount-not-a-number": _set("cac:LegalMonetaryTotal/cbc:PayableAmount", "lots"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_validator_rejects_broken_documents(
    standards_dir: Path, validate: Callable[[etree._ElementTree], list[str]], breakage: str
) -> None:
    tree = example(standards_dir, "base-example.xml")
    BREAKAGES[breakage](tree.getroot())
    assert validate(tree) != []


# -- every generated document is valid UBL 2.1 --------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_generated_documents_are_valid_ubl(
    validate: Callable[[etree._ElementTree], list[str]], name: str
) -> None:
    assert validate(parse(sample_xml(name))) == []


def test_broken_generated_document_is_rejected(
    validate: Callable[[etree._ElementTree], list[str]],
) -> None:
    tree = parse(sample_xml("be_domestic"))
    _drop("cac:LegalMonetaryTotal")(tree.getroot())
    assert validate(tree) != []


# -- what the XML says --------------------------------------------------------------------------


def text(root: etree._Element, path: str) -> str:
    found = root.findtext(path, namespaces=NS)
    assert found is not None, path
    return found


@pytest.mark.parametrize("name", SAMPLES)
def test_bis_identifiers_and_amount_format(name: str) -> None:
    root = etree.fromstring(sample_xml(name))
    credit = name == "be_credit_note"
    assert etree.QName(root).namespace == NS["cn" if credit else "inv"]
    assert text(root, "cbc:CustomizationID") == CUSTOMIZATION_ID
    assert text(root, "cbc:ProfileID") == PROFILE_ID
    type_code = "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode"
    assert text(root, type_code) == ("381" if credit else "380")
    currency = text(root, "cbc:DocumentCurrencyCode")
    amounts = [e for e in root.iter() if etree.QName(e).localname.endswith("Amount")]
    assert amounts
    for element in amounts:
        assert element.get("currencyID") == currency
        if etree.QName(element).localname != "PriceAmount":
            assert re.fullmatch(r"-?\d+\.\d\d", element.text or ""), element.text


def test_domestic_belgian_invoice() -> None:
    root = etree.fromstring(sample_xml("be_domestic"))
    supplier = "cac:AccountingSupplierParty/cac:Party/"
    assert root.find(supplier + "cbc:EndpointID", NS).get("schemeID") == "0208"
    assert text(root, supplier + "cbc:EndpointID") == "0403019261"
    assert text(root, supplier + "cac:PartyTaxScheme/cbc:CompanyID") == "BE0403019261"
    assert root.find(supplier + "cac:PartyLegalEntity/cbc:CompanyID", NS).get("schemeID") == "0208"
    assert text(root, supplier + "cac:Contact/cbc:ElectronicMail") == "factures@coop.example"
    buyer = "cac:AccountingCustomerParty/cac:Party/"
    assert text(root, buyer + "cbc:EndpointID") == "0203201340"
    assert text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "58"  # SEPA credit transfer
    assert text(root, "cac:PaymentMeans/cbc:PaymentID") == "+++090/9337/55493+++"
    assert text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == "BE68539007547034"
    assert text(root, "cbc:DueDate") == "2026-04-01"
    assert root.find("cbc:Note", NS) is None  # no mention due on a Belgian domestic invoice
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "771.38"
    line = root.find("cac:InvoiceLine", NS)
    assert line.find("cbc:InvoicedQuantity", NS).get("unitCode") == "HUR"
    assert text(line, "cbc:InvoicedQuantity") == "7.5"
    assert text(line, "cac:Price/cbc:PriceAmount") == "85"


def test_reverse_charge_invoice() -> None:
    root = etree.fromstring(sample_xml("be_de_reverse_charge"))
    subtotal = root.find("cac:TaxTotal/cac:TaxSubtotal", NS)
    assert text(subtotal, "cac:TaxCategory/cbc:ID") == "AE"
    assert text(subtotal, "cac:TaxCategory/cbc:Percent") == "0"
    assert text(subtotal, "cac:TaxCategory/cbc:TaxExemptionReasonCode") == "VATEX-EU-AE"
    assert text(subtotal, "cbc:TaxAmount") == "0.00"
    buyer = "cac:AccountingCustomerParty/cac:Party/"
    assert root.find(buyer + "cbc:EndpointID", NS).get("schemeID") == "9930"
    assert text(root, buyer + "cac:PartyTaxScheme/cbc:CompanyID") == "DE136695976"
    assert text(root, "cbc:Note") == "Steuerschuldnerschaft des Leistungsempfängers"
    assert text(root, "cbc:BuyerReference") == "PO-4711"


def test_export_invoice_addresses_the_swiss_buyer_by_its_uid() -> None:
    root = etree.fromstring(sample_xml("be_ch_export"))
    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS)
    assert (endpoint.get("schemeID"), endpoint.text) == ("0183", "CHE100155212")
    assert text(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == "G"
    assert root.find("cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme", NS) is None


def test_credit_note_references_its_invoice() -> None:
    root = etree.fromstring(sample_xml("be_credit_note"))
    reference = "cac:BillingReference/cac:InvoiceDocumentReference/"
    assert text(root, reference + "cbc:ID") == "BE-2026-0001"
    assert text(root, reference + "cbc:IssueDate") == "2026-03-02"
    assert root.find("cac:CreditNoteLine/cbc:CreditedQuantity", NS) is not None
    assert root.find("cac:PaymentMeans", NS) is None  # refunds go to the buyer's account
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "205.70"


def test_forint_invoice_states_whole_forints() -> None:
    root = etree.fromstring(sample_xml("hu_huf"))
    assert text(root, "cbc:DocumentCurrencyCode") == "HUF"
    assert text(root, "cac:TaxTotal/cbc:TaxAmount") == "10498.00"
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "57513.00"
    assert text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "30"  # not a euro payment
    endpoint = root.find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", NS)
    assert (endpoint.get("schemeID"), endpoint.text) == ("9910", "HU12892312")


# -- refusals -----------------------------------------------------------------------------------


def test_whole_forint_rounding_that_breaks_r120_is_refused() -> None:
    """0.5 h × 12 345 HUF is 6172.5, printed 6173: Peppol allows 0.02 (PEPPOL-EN16931-R120)."""
    document = build_document(
        jurisdiction("HU"),
        situation="domestic",
        number="HU-2026-0002",
        issue_date=date(2026, 3, 2),
        due_date=date(2026, 4, 1),
        seller=HU_SELLER,
        buyer=HU_BUYER,
        items=[LineItem("Tanácsadás", Decimal("0.5"), Decimal("12345"))],
    )
    with pytest.raises(UblError, match="R120"):
        to_ubl(document, jurisdiction("HU").round_money)


def test_amounts_finer_than_a_cent_are_refused() -> None:
    document = SAMPLES["be_domestic"]()
    with pytest.raises(UblError, match="two decimals"):
        to_ubl(document, lambda amount: amount + Decimal("0.001"))


def test_a_party_without_electronic_address_is_refused() -> None:
    document = SAMPLES["be_ch_export"]()
    anonymous = Party("Client Inc.", Address("1 Main St", "Springfield", "12345", "US"))
    with pytest.raises(UblError, match="R010"):
        to_ubl(dataclasses.replace(document, buyer=anonymous), jurisdiction("BE").round_money)


@pytest.mark.parametrize(
    ("party", "expected"),
    [
        (BE_SELLER, ElectronicAddress("0208", "0403019261")),
        (BE_BUYER, ElectronicAddress("0208", "0203201340")),
        (
            Party("X", DE_BUYER.address, vat_number="DE136695976"),
            ElectronicAddress("9930", "DE136695976"),
        ),
        (CH_BUYER, ElectronicAddress("0183", "CHE100155212")),
    ],
)
def test_endpoint_of(party: Party, expected: ElectronicAddress) -> None:
    assert endpoint_of(party) == expected
