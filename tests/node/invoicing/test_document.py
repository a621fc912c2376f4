"""The invoice document model, its totals and the VAT decisions of ``build_document`` (pure).

The sample documents built here (:data:`SAMPLES`) are also what the UBL schema tests and the
Peppol rule tests serialise and validate, so every VAT situation the node issues is covered by
all three: a Belgian domestic invoice, a multi-rate one (21 % and 6 %), a French one with its
recovery-fee mention, an intra-EU reverse charge BE → DE, an export BE → CH, a credit note, a
forint invoice in whole forints and a German invoice dated in the 16 % period of 2020.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from node.invoicing.document import (
    Address,
    Document,
    DocumentKind,
    ElectronicAddress,
    InvoiceError,
    Line,
    Party,
    PrecedingInvoice,
    TaxCategory,
    Totals,
    VatCode,
    compute_totals,
)
from node.invoicing.vat import LineItem, build_document
from plugins.facts_jurisdiction import FactsJurisdiction
from plugins.jurisdiction import Jurisdiction

D = Decimal


def jurisdiction(country: str) -> Jurisdiction:
    return FactsJurisdiction.for_package(f"plugins.{country.lower()}")


BE_SELLER = Party(
    "Coopérative Exemple SC",
    Address("Rue de la Loi 16", "Bruxelles", "1000", "BE"),
    vat_number="BE 0403.019.261",
    company_id="0403.019.261",
    iban="BE68 5390 0754 7034",
    email="factures@coop.example",
)
BE_BUYER = Party(
    "Klant NV", Address("Kerkstraat 2", "Gent", "9000", "BE"), vat_number="BE0203201340"
)
DE_BUYER = Party(
    "Kunde GmbH", Address("Hauptstraße 5", "Köln", "50667", "DE"), vat_number="136695976"
)
CH_BUYER = Party(
    "Client SA",
    Address("Rue du Rhône 1", "Genève", "1204", "CH"),
    electronic_address=ElectronicAddress("0183", "CHE100155212"),
)
FR_SELLER = Party(
    "Coopérative Exemple France SCOP",
    Address("1 rue de Rivoli", "Paris", "75001", "FR"),
    vat_number="FR40303265045",
    company_id="303265045",
    iban="FR14 2004 1010 0505 0001 3M02 606",
)
FR_BUYER = Party(
    "Client SARL", Address("2 place Bellecour", "Lyon", "69002", "FR"), vat_number="FR44732829320"
)
HU_SELLER = Party(
    "Szövetkezet Kft.",
    Address("Andrássy út 1", "Budapest", "1061", "HU"),
    vat_number="HU12892312",
    iban="HU42 1177 3016 1111 1018 0000 0000",
)
HU_BUYER = Party(
    "Ügyfél Zrt.", Address("Váci út 2", "Budapest", "1132", "HU"), vat_number="10597190"
)
DE_SELLER = Party(
    "Genossenschaft eG",
    Address("Unter den Linden 1", "Berlin", "10117", "DE"),
    vat_number="DE129273398",
    iban="DE89 3704 0044 0532 0130 00",
    email="rechnung@geno.example",
    contact_name="Buchhaltung",
    telephone="+49 30 1234567",
)
CONSULTING = LineItem("Consultancy, March 2026", D("7.5"), D("85.00"))
ISSUED, DUE = date(2026, 3, 2), date(2026, 4, 1)


def be_domestic() -> Document:
    return build_document(
        jurisdiction("BE"),
        situation="domestic",
        number="BE-2026-0001",
        issue_date=ISSUED,
        due_date=DUE,
        seller=BE_SELLER,
        buyer=BE_BUYER,
        items=[CONSULTING],
        payment_reference="+++090/9337/55493+++",
    )


def be_multi_rate() -> Document:
    items = [
        CONSULTING,
        LineItem("Workshop handbooks", D("12"), D("24.95"), "C62", "reduced_2"),
        LineItem("Travel day", D("1"), D("450"), "DAY"),
    ]
    return dataclasses.replace(be_domestic(), number="BE-2026-0002", lines=_lines(items))


def _lines(items: list[LineItem]) -> tuple[Line, ...]:
    """Lines as build_document makes them (the sample reuses be_domestic's parties)."""
    document = build_document(
        jurisdiction("BE"),
        situation="domestic",
        number="x",
        issue_date=ISSUED,
        due_date=DUE,
        seller=BE_SELLER,
        buyer=BE_BUYER,
        items=items,
    )
    return document.lines


def fr_domestic() -> Document:
    return build_document(
        jurisdiction("FR"),
        situation="domestic",
        number="FR-2026-0001",
        issue_date=ISSUED,
        due_date=DUE,
        seller=FR_SELLER,
        buyer=FR_BUYER,
        items=[LineItem("Formation", D("2"), D("640.00"), "DAY")],
        payment_terms="Paiement à 30 jours",
    )


def be_de_reverse_charge() -> Document:
    return build_document(
        jurisdiction("BE"),
        situation="intra_eu_reverse_charge",
        number="BE-2026-0003",
        issue_date=ISSUED,
        due_date=DUE,
        seller=BE_SELLER,
        buyer=DE_BUYER,
        items=[CONSULTING, LineItem("Software licence", D("1"), D("1200"), "C62")],
        buyer_reference="PO-4711",
        language="de",
    )


def be_ch_export() -> Document:
    return build_document(
        jurisdiction("BE"),
        situation="export_outside_eu",
        number="BE-2026-0004",
        issue_date=ISSUED,
        due_date=DUE,
        seller=BE_SELLER,
        buyer=CH_BUYER,
        items=[CONSULTING],
        language="en",
    )


def be_credit_note() -> Document:
    return build_document(
        jurisdiction("BE"),
        situation="domestic",
        kind="credit_note",
        number="BE-2026-CN-0001",
        issue_date=date(2026, 3, 9),
        seller=BE_SELLER,
        buyer=BE_BUYER,
        items=[LineItem("Consultancy, March 2026 (hours not worked)", D("2"), D("85.00"))],
        preceding_invoice=PrecedingInvoice("BE-2026-0001", ISSUED),
    )


def hu_huf() -> Document:
    return build_document(
        jurisdiction("HU"),
        situation="domestic",
        number="HU-2026-0001",
        issue_date=ISSUED,
        due_date=DUE,
        seller=HU_SELLER,
        buyer=HU_BUYER,
        items=[
            LineItem("Tanácsadás", D("3"), D("12345")),
            LineItem("Szakkönyv", D("2"), D("4990"), "C62", "reduced_2"),
        ],
    )


def de_domestic_2020() -> Document:
    return build_document(
        jurisdiction("DE"),
        situation="domestic",
        number="DE-2020-0001",
        issue_date=date(2020, 9, 1),
        due_date=date(2020, 9, 15),
        seller=DE_SELLER,
        buyer=DE_BUYER,
        items=[LineItem("Beratung", D("10"), D("99.99"))],
        buyer_reference="04011000-12345-34",
    )


SAMPLES: dict[str, Callable[[], Document]] = {
    "be_domestic": be_domestic,
    "be_multi_rate": be_multi_rate,
    "fr_domestic": fr_domestic,
    "be_de_reverse_charge": be_de_reverse_charge,
    "be_ch_export": be_ch_export,
    "be_credit_note": be_credit_note,
    "hu_huf": hu_huf,
    "de_domestic_2020": de_domestic_2020,
}


def totals_of(document: Document) -> Totals:
    return compute_totals(document, jurisdiction(document.seller.country).round_money)


# -- totals -----------------------------------------------------------------------------------


def test_multi_rate_totals_group_vat_by_rate() -> None:
    totals = totals_of(be_multi_rate())
    assert totals.line_net_amounts == (D("637.50"), D("299.40"), D("450"))
    groups = {(g.category.code, g.category.rate): g for g in totals.vat_breakdown}
    assert set(groups) == {(VatCode.STANDARD, D("21")), (VatCode.STANDARD, D("6"))}
    assert groups[VatCode.STANDARD, D("21")].taxable_amount == D("1087.50")
    assert groups[VatCode.STANDARD, D("21")].tax_amount == D("228.38")  # 228.375 half up
    assert groups[VatCode.STANDARD, D("6")].tax_amount == D("17.96")  # 17.964
    assert totals.line_extension_amount == totals.tax_exclusive_amount == D("1386.90")
    assert totals.tax_amount == D("246.34")
    assert totals.tax_inclusive_amount == totals.payable_amount == D("1633.24")


def test_line_nets_are_rounded_half_up_one_by_one() -> None:
    """0.5 × 0.25 = 0.125 is 0.13 on each line (half up, not half even), and the total adds the
    printed nets (0.26) instead of rounding the exact sum (0.25)."""
    items = [LineItem("Stamp", D("0.5"), D("0.25"), "C62")] * 2
    document = dataclasses.replace(be_domestic(), lines=_lines(items))
    totals = totals_of(document)
    assert totals.line_net_amounts == (D("0.13"), D("0.13"))
    assert totals.line_extension_amount == D("0.26")


def test_vat_is_rounded_once_per_category_BR_CO_17() -> None:
    """Three lines of 0.07 at 21 %: VAT per line would be 3 × 0.01; BR-CO-17 rounds the
    category's taxable amount × rate once: 0.21 × 21 % = 0.0441 → 0.04."""
    items = [LineItem("Sticker", D("1"), D("0.07"), "C62")] * 3
    totals = totals_of(dataclasses.replace(be_domestic(), lines=_lines(items)))
    assert [g.tax_amount for g in totals.vat_breakdown] == [D("0.04")]


def test_forint_amounts_are_whole_forints() -> None:
    """HU rounds invoice amounts to whole forints (plugins/hu/facts.toml money.minor_unit)."""
    totals = totals_of(hu_huf())
    assert totals.line_net_amounts == (D("37035"), D("9980"))
    assert [g.tax_amount for g in totals.vat_breakdown] == [D("9999"), D("499")]  # 9999.45
    assert totals.payable_amount == D("57513")
    assert all(amount == amount.to_integral_value() for amount in totals.line_net_amounts)


def test_rounding_must_return_decimal() -> None:
    with pytest.raises(TypeError):
        compute_totals(be_domestic(), lambda amount: float(amount))  # type: ignore[arg-type,return-value]


# -- VAT situations ---------------------------------------------------------------------------


def test_domestic_uses_the_rate_in_force_on_the_issue_date() -> None:
    assert de_domestic_2020().lines[0].tax == TaxCategory(VatCode.STANDARD, D("16"))
    document = build_document(
        jurisdiction("DE"),
        situation="domestic",
        number="DE-2021-0001",
        issue_date=date(2021, 1, 4),
        due_date=date(2021, 2, 1),
        seller=DE_SELLER,
        buyer=DE_BUYER,
        items=[CONSULTING],
    )
    assert document.lines[0].tax.rate == D("19")


def test_domestic_zero_rated_tier_is_category_Z() -> None:
    lines = _lines([LineItem("Daily newspaper", D("30"), D("2.50"), "C62", "zero")])
    assert lines[0].tax == TaxCategory(VatCode.ZERO, D("0"))


def test_reverse_charge_is_AE_with_mention_and_reason() -> None:
    document = be_de_reverse_charge()
    tax = document.lines[0].tax
    assert (tax.code, tax.rate, tax.exemption_reason_code) == (
        VatCode.REVERSE_CHARGE,
        0,
        "VATEX-EU-AE",
    )
    assert tax.exemption_reason == "Steuerschuldnerschaft des Leistungsempfängers"
    assert document.legal_mentions == ("Steuerschuldnerschaft des Leistungsempfängers",)
    assert document.buyer.vat_number == "DE136695976"  # prefixed by the buyer's country
    assert totals_of(document).tax_amount == 0


def test_export_is_G_with_mention_and_reason() -> None:
    tax = be_ch_export().lines[0].tax
    assert (tax.code, tax.rate, tax.exemption_reason_code) == (VatCode.EXPORT, 0, "VATEX-EU-G")
    assert tax.exemption_reason.startswith("VAT exempt: export outside the EU")


def test_french_domestic_invoice_carries_the_recovery_fee_mention() -> None:
    (mention,) = fr_domestic().legal_mentions
    assert "40 €" in mention


def test_identifiers_are_normalised() -> None:
    document = be_domestic()
    assert document.seller.vat_number == "BE0403019261"
    assert document.seller.iban == "BE68539007547034"
    assert document.currency == "EUR"
    assert hu_huf().buyer.vat_number == "HU10597190"


def _build(**changes: object) -> Document:
    arguments: dict[str, object] = {
        "situation": "intra_eu_reverse_charge",
        "number": "BE-2026-0009",
        "issue_date": ISSUED,
        "due_date": DUE,
        "seller": BE_SELLER,
        "buyer": DE_BUYER,
        "items": [CONSULTING],
    }
    arguments.update(changes)
    return build_document(jurisdiction("BE"), **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"buyer": dataclasses.replace(DE_BUYER, vat_number="")}, "buyer.vat_number", "art. 226"),
        (
            {"seller": dataclasses.replace(BE_SELLER, vat_number="")},
            "seller.vat_number",
            "required",
        ),
        ({"buyer": BE_BUYER}, "situation", "domestic"),
        ({"buyer": dataclasses.replace(CH_BUYER, vat_number="CHE100155212")}, "situation", "EU"),
        ({"situation": "export_outside_eu"}, "situation", "not an export"),
        (
            {"buyer": dataclasses.replace(DE_BUYER, vat_number="DE136695977")},
            "buyer.vat_number",
            "",
        ),
        (
            {"buyer": dataclasses.replace(DE_BUYER, vat_number="FR44732829320")},
            "buyer.vat_number",
            "DE",
        ),
        (
            {"seller": dataclasses.replace(BE_SELLER, vat_number="BE0403019262")},
            "seller.vat_number",
            "",
        ),
        ({"seller": FR_SELLER}, "seller.address.country", "jurisdiction is BE"),
        ({"seller": dataclasses.replace(BE_SELLER, iban="")}, "seller.iban", "account"),
        ({"seller": dataclasses.replace(BE_SELLER, iban="BE68539007547035")}, "seller.iban", ""),
        ({"due_date": None}, "due_date", "BR-CO-25"),
        ({"kind": "credit_note", "due_date": None}, "preceding_invoice", "corrects"),
        ({"situation": "reverse_charge"}, "situation", "unknown"),
        (
            {
                "situation": "domestic",
                "items": [LineItem("x", D(1), D(1), vat_tier="super_reduced")],
            },
            "items[1].vat_tier",
            "super_reduced",
        ),
        ({"situation": "domestic", "issue_date": date(1990, 1, 1)}, "items[1].vat_tier", "1990"),
    ],
    ids=[
        "reverse-charge-without-buyer-vat",
        "without-seller-vat",
        "buyer-in-seller-country-marked-intra-eu",
        "intra-eu-to-a-non-member",
        "export-to-a-member-state",
        "buyer-vat-bad-checksum",
        "buyer-vat-of-another-country",
        "seller-vat-bad-checksum",
        "seller-not-in-the-jurisdiction",
        "invoice-without-iban",
        "invoice-with-bad-iban",
        "invoice-without-due-date",
        "credit-note-without-invoice",
        "unknown-situation",
        "tier-the-country-lacks",
        "date-before-recorded-rates",
    ],
)
def test_build_document_refuses_inconsistent_input(
    changes: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises(InvoiceError) as caught:
        _build(**changes)
    assert caught.value.field == field
    assert reason in caught.value.message


# -- the model refuses what EN 16931 forbids --------------------------------------------------


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        LineItem("Consultancy", 7.5, D("85"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Decimal"):
        Line("1", "x", D("1"), 85.0, TaxCategory("S", D("21")))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Decimal"):
        TaxCategory("S", 21.0)  # type: ignore[arg-type]


def test_documents_are_frozen() -> None:
    document = be_domestic()
    with pytest.raises(dataclasses.FrozenInstanceError):
        document.number = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        document.lines[0].quantity = D("1")  # type: ignore[misc]
    assert isinstance(document.lines, tuple)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: TaxCategory("S", D("0")), "tax.rate"),
        (lambda: TaxCategory("AE", D("21"), "Reverse charge"), "tax.rate"),
        (lambda: TaxCategory("AE", D("0")), "tax.exemption_reason"),
        (lambda: TaxCategory("S", D("21"), "Exempt"), "tax.exemption_reason"),
        (lambda: TaxCategory("O", D("0"), "Not subject to VAT"), "tax.rate"),
        (lambda: TaxCategory("G", None, "Export"), "tax.rate"),
        (lambda: Line("1", "x", D("1"), D("-1"), TaxCategory("S", D("21"))), "line.unit_price"),
        (lambda: Line("1", "x", D("0"), D("1"), TaxCategory("S", D("21"))), "line.quantity"),
        (
            lambda: Line("1", "x", D("1"), D("1"), TaxCategory("S", D("21")), "hours"),
            "line.unit_code",
        ),
        (lambda: Address("Street 1", "City", "1000", "Belgium"), "address.country"),
        (lambda: ElectronicAddress("BE", ""), "electronic_address.identifier"),
    ],
)
def test_model_refuses_what_en16931_forbids(make: Callable[[], object], field: str) -> None:
    with pytest.raises(InvoiceError) as caught:
        make()
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lines": ()}, "lines"),
        ({"currency": "euro"}, "currency"),
        ({"due_date": date(2026, 3, 1)}, "due_date"),
        ({"kind": DocumentKind.CREDIT_NOTE}, "preceding_invoice"),
        ({"seller": dataclasses.replace(BE_SELLER, vat_number="")}, "seller.vat_number"),
    ],
)
def test_document_refuses_inconsistent_fields(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvoiceError) as caught:
        dataclasses.replace(be_domestic(), **changes)
    assert caught.value.field == field


def test_situation_and_categories_agree() -> None:
    reverse_charged = be_de_reverse_charge().lines
    with pytest.raises(InvoiceError, match="domestic document"):
        dataclasses.replace(be_domestic(), lines=reverse_charged)
    with pytest.raises(InvoiceError, match="only AE lines"):
        dataclasses.replace(be_de_reverse_charge(), lines=be_domestic().lines)
    with pytest.raises(InvoiceError, match="only G lines"):
        dataclasses.replace(be_ch_export(), lines=reverse_charged)


def test_one_category_and_rate_has_one_exemption_reason() -> None:
    first = be_de_reverse_charge().lines[0]
    other = dataclasses.replace(first, id="2", tax=TaxCategory("AE", D("0"), "Autoliquidation"))
    with pytest.raises(InvoiceError, match="one exemption reason"):
        dataclasses.replace(be_de_reverse_charge(), lines=(first, other))


def test_out_of_scope_lines_stand_alone() -> None:
    out_of_scope = Line(
        "9", "Donation", D("1"), D("10"), TaxCategory("O", None, "Not subject to VAT")
    )
    with pytest.raises(InvoiceError, match="BR-O-11"):
        dataclasses.replace(be_domestic(), lines=(*be_domestic().lines, out_of_scope))


def test_hand_built_reverse_charge_needs_the_buyer_vat_number() -> None:
    document = be_de_reverse_charge()
    with pytest.raises(InvoiceError) as caught:
        dataclasses.replace(document, buyer=dataclasses.replace(document.buyer, vat_number=""))
    assert caught.value.field == "buyer.vat_number"


def test_credit_note_is_not_due() -> None:
    with pytest.raises(InvoiceError, match="not paid"):
        dataclasses.replace(be_credit_note(), due_date=DUE)
    assert be_credit_note().preceding_invoice == PrecedingInvoice("BE-2026-0001", ISSUED)
