"""pain.001 in a currency other than EUR: a domestic ISO 20022 credit transfer, one currency a
batch, amounts exact in that currency (the EUR output itself is pinned by test_sepa.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
import pytest

from node.banking.errors import SepaError
from node.banking.references import validate_reference
from node.banking.sepa import PAIN_VERSIONS, CreditTransfer, PaymentBatch, build_pain001
from tests.node.banking.test_sepa import BATCH, refused, schema

SEK_BATCH = PaymentBatch(
    message_id="PAYOUT-SE-0001",
    created_at=datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
    debtor_name="Kooperativet Smart",
    debtor_iban="SE45 5000 0000 0583 9825 7466",
    requested_execution_date=date(2024, 3, 4),
    payments=(
        CreditTransfer(
            "E2E-SE-1",
            "Åsa Öberg",
            "SE3550000000054910000003",
            Decimal("12345.67"),
            currency="SEK",
            remittance_text="Lön mars 2024",
        ),
        CreditTransfer(
            "E2E-SE-2",
            "Studio Norr AB",
            "SE4550000000058398257466",
            Decimal("0.10"),
            currency="SEK",
            reference=validate_reference("RF18 5390 0754 7034"),
        ),
    ),
    currency="SEK",
)
HUF_BATCH = PaymentBatch(
    message_id="PAYOUT-HU-0001",
    created_at=datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
    debtor_name="Szövetkezet",
    debtor_iban="HU42117730161111101800000000",
    requested_execution_date=date(2024, 3, 4),
    payments=(
        CreditTransfer(
            "E2E-HU-1",
            "Kovács Éva",
            "HU93116000060000000012345676",
            Decimal("250000"),
            currency="HUF",
            remittance_text="Munkabér 2024-03",
        ),
    ),
    currency="HUF",
)


def parse(document: bytes, version: str) -> tuple[Element, dict[str, str]]:
    root = SafeET.fromstring(document)
    return root, {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}


@pytest.mark.parametrize("version", PAIN_VERSIONS)
def test_a_sek_batch_is_a_valid_transfer_without_the_sepa_service_level(version: str) -> None:
    document = build_pain001(SEK_BATCH, version)
    schema(version).validate(document.decode())
    root, ns = parse(document, version)
    info = "p:CstmrCdtTrfInitn/p:PmtInf/"
    assert root.find(info + "p:PmtTpInf", ns) is None  # no SvcLvl/Cd SEPA
    assert b"SEPA" not in document
    assert root.findtext(info + "p:ChrgBr", namespaces=ns) == "SHAR"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == "12345.77"
    assert root.findtext(info + "p:CtrlSum", namespaces=ns) == "12345.77"
    amounts = [(amount.get("Ccy"), amount.text) for amount in root.iterfind(".//p:InstdAmt", ns)]
    assert amounts == [("SEK", "12345.67"), ("SEK", "0.10")]
    assert root.findtext(".//p:Cdtr/p:Nm", namespaces=ns) == "Asa Oberg"
    assert root.findtext(".//p:CdtrRefInf/p:Ref", namespaces=ns) == "RF18539007547034"
    assert root.findtext(info + "p:PmtInfId", namespaces=ns) == "PAYOUT-SE-0001"


def test_a_sek_batch_is_deterministic() -> None:
    assert build_pain001(SEK_BATCH) == build_pain001(replace(SEK_BATCH))


def test_a_huf_amount_is_whole_forints() -> None:
    document = build_pain001(HUF_BATCH)
    schema("pain.001.001.03").validate(document.decode())
    root, ns = parse(document, "pain.001.001.03")
    amount = root.find(".//p:InstdAmt", ns)
    assert amount is not None and (amount.get("Ccy"), amount.text) == ("HUF", "250000.00")
    fraction = replace(HUF_BATCH.payments[0], amount=Decimal("250000.50"))
    error = refused(replace(HUF_BATCH, payments=(fraction,)))
    assert (error.field, error.problem) == (
        "payments[0].amount",
        "250000.50 is not a whole number of HUF",
    )


def test_one_batch_one_currency() -> None:
    euro = CreditTransfer(
        "E2E-EU-1", "Jean", "FR1420041010050500013M02606", Decimal("1.00"), remittance_text="x"
    )
    error = refused(replace(SEK_BATCH, payments=(*SEK_BATCH.payments, euro)))
    assert (error.field, error.problem) == ("payments[2].currency", "the batch is in SEK, not EUR")
    error = refused(replace(BATCH, payments=(*BATCH.payments, SEK_BATCH.payments[0])))
    assert (error.field, error.problem) == ("payments[3].currency", "the batch is in EUR, not SEK")


@pytest.mark.parametrize(
    ("currency", "message"),
    [
        ("XYZ", "'XYZ' is not an ISO 4217 currency code"),
        ("sek", "'sek' is not an ISO 4217 currency code"),
        ("BHD", "BHD has more than two decimals"),
    ],
)
def test_the_batch_currency_is_checked(currency: str, message: str) -> None:
    payments = [replace(p, currency=currency) for p in SEK_BATCH.payments]
    error = refused(replace(SEK_BATCH, payments=payments, currency=currency))
    assert error.field == "currency" and message in error.problem


def test_the_euro_batch_is_still_sepa() -> None:
    assert BATCH.currency == "EUR"
    document = build_pain001(BATCH)
    root, ns = parse(document, "pain.001.001.03")
    assert root.findtext(".//p:PmtTpInf/p:SvcLvl/p:Cd", namespaces=ns) == "SEPA"
    assert root.findtext(".//p:ChrgBr", namespaces=ns) == "SLEV"
    big = replace(SEK_BATCH.payments[0], amount=Decimal("1000000000.00"))
    with pytest.raises(SepaError, match=r"exceeds the maximum 999999999\.99"):
        build_pain001(replace(SEK_BATCH, payments=(big,)))
