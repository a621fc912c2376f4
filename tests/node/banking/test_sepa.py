"""pain.001 export: exact amounts and sums, schema-valid output, refused inputs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib.resources import files
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st

from node.banking import sepa
from node.banking.errors import SepaError
from node.banking.references import validate_reference
from node.banking.sepa import PAIN_VERSIONS, CreditTransfer, PaymentBatch, build_pain001, sepa_text

CREATED = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)

PAYMENTS = (
    CreditTransfer(
        "E2E-1",
        "Jean Müller",
        "FR14 2004 1010 0505 0001 3M02 606",
        Decimal("1234.50"),
        remittance_text="Payout March 2024 – invoice #17",
    ),
    CreditTransfer(
        "E2E-2",
        "Ana García",
        "ES9121000418450200051332",
        Decimal("0.05"),
        creditor_bic="CAIXESBBXXX",
        reference=validate_reference("+++123/4567/89002+++"),
    ),
    CreditTransfer(
        "E2E-3",
        "Studio Kappa GmbH",
        "DE89370400440532013000",
        Decimal("100"),
        reference=validate_reference("RF18 5390 0754 7034"),
    ),
)
BATCH = PaymentBatch(
    message_id="PAYOUT-2024-0001",
    created_at=CREATED,
    debtor_name="Coopérative Smart & Co",
    debtor_iban="BE68 5390 0754 7034",
    requested_execution_date=date(2024, 3, 4),
    payments=PAYMENTS,
    debtor_bic="GEBABEBB",
)


def parse(document: bytes, version: str) -> tuple[Element, dict[str, str]]:
    root = SafeET.fromstring(document)
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}
    assert root.tag == f"{{{ns['p']}}}Document"
    return root, ns


def schema(version: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(files("sepaxml") / "schemas" / f"{version}.xsd"))


@pytest.mark.parametrize("version", PAIN_VERSIONS)
def test_output_is_valid_against_the_xsd(version: str) -> None:
    schema(version).validate(build_pain001(BATCH, version).decode())


@pytest.mark.parametrize("version", PAIN_VERSIONS)
def test_header_control_sum_and_number_of_transactions(version: str) -> None:
    root, ns = parse(build_pain001(BATCH, version), version)
    header = "p:CstmrCdtTrfInitn/p:GrpHdr/"
    assert root.findtext(header + "p:MsgId", namespaces=ns) == "PAYOUT-2024-0001"
    assert root.findtext(header + "p:CreDtTm", namespaces=ns) == "2024-03-01T09:30:00+00:00"
    assert root.findtext(header + "p:NbOfTxs", namespaces=ns) == "3"
    assert root.findtext(header + "p:CtrlSum", namespaces=ns) == "1334.55"
    assert root.findtext(header + "p:InitgPty/p:Nm", namespaces=ns) == "Cooperative Smart + Co"
    [info] = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", ns)
    assert info.findtext("p:PmtInfId", namespaces=ns) == "PAYOUT-2024-0001"
    assert info.findtext("p:NbOfTxs", namespaces=ns) == "3"
    assert info.findtext("p:CtrlSum", namespaces=ns) == "1334.55"
    assert info.findtext("p:BtchBookg", namespaces=ns) == "true"
    assert info.findtext("p:PmtTpInf/p:SvcLvl/p:Cd", namespaces=ns) == "SEPA"
    assert info.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=ns) == "BE68539007547034"
    assert info.findtext("p:ChrgBr", namespaces=ns) == "SLEV"
    execution = info.find("p:ReqdExctnDt", ns)
    assert execution is not None
    assert "".join(execution.itertext()) == "2024-03-04"  # .09 wraps it in <Dt>


@pytest.mark.parametrize("version", PAIN_VERSIONS)
def test_each_payment(version: str) -> None:
    root, ns = parse(build_pain001(BATCH, version), version)
    txs = root.findall("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", ns)
    seen = [
        (
            tx.findtext("p:PmtId/p:EndToEndId", namespaces=ns),
            tx.findtext("p:Amt/p:InstdAmt", namespaces=ns),
            tx.find("p:Amt/p:InstdAmt", ns).get("Ccy"),  # type: ignore[union-attr]
            tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns),
            tx.findtext("p:Cdtr/p:Nm", namespaces=ns),
        )
        for tx in txs
    ]
    assert seen == [
        ("E2E-1", "1234.50", "EUR", "FR1420041010050500013M02606", "Jean Muller"),
        ("E2E-2", "0.05", "EUR", "ES9121000418450200051332", "Ana Garcia"),
        ("E2E-3", "100.00", "EUR", "DE89370400440532013000", "Studio Kappa GmbH"),
    ]
    bic = "p:BIC" if version == "pain.001.001.03" else "p:BICFI"
    assert txs[1].findtext(f"p:CdtrAgt/p:FinInstnId/{bic}", namespaces=ns) == "CAIXESBBXXX"
    assert txs[0].find("p:CdtrAgt", ns) is None
    assert txs[0].findtext("p:RmtInf/p:Ustrd", namespaces=ns) == "Payout March 2024 - invoice 17"
    for tx, issuer, ref in ((txs[1], "BBA", "123456789002"), (txs[2], "ISO", "RF18539007547034")):
        info = "p:RmtInf/p:Strd/p:CdtrRefInf/"
        assert tx.find("p:RmtInf/p:Ustrd", ns) is None
        assert tx.findtext(info + "p:Tp/p:CdOrPrtry/p:Cd", namespaces=ns) == "SCOR"
        assert tx.findtext(info + "p:Tp/p:Issr", namespaces=ns) == issuer
        assert tx.findtext(info + "p:Ref", namespaces=ns) == ref


def test_same_batch_same_file() -> None:
    assert build_pain001(BATCH) == build_pain001(BATCH)


def test_without_batch_booking_and_without_debtor_bic() -> None:
    batch = replace(BATCH, batch_booking=False, debtor_bic=None)
    document = build_pain001(batch)
    root, ns = parse(document, "pain.001.001.03")
    assert root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:BtchBookg", namespaces=ns) == "false"
    assert root.find("p:CstmrCdtTrfInitn/p:PmtInf/p:DbtrAgt/p:FinInstnId/p:BIC", ns) is None
    schema("pain.001.001.03").validate(document.decode())


def test_payments_may_be_given_as_a_list() -> None:
    batch = replace(BATCH, payments=list(PAYMENTS))
    assert batch.payments == PAYMENTS


def test_sepa_text() -> None:
    assert sepa_text("Łódź & Söhne — «Ltd» @ 50€", 70) == "Lodz + Sohne -- Ltd 50EUR"
    assert sepa_text("A" * 80, 70) == "A" * 70
    assert sepa_text("x" * 69 + "  y", 70) == "x" * 69


def test_names_are_trimmed_to_70_characters() -> None:
    long_name = "Société coopérative " + "abcdefghij" * 10
    payment = replace(PAYMENTS[0], creditor_name=long_name)
    root, ns = parse(build_pain001(replace(BATCH, payments=(payment,))), "pain.001.001.03")
    name = root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf/p:Cdtr/p:Nm", namespaces=ns)
    assert (
        name is not None and len(name) == 70 and name.startswith("Societe cooperative abcdefghij")
    )


# -- refused input ---------------------------------------------------------------------------------


def refused(batch: PaymentBatch, version: str = "pain.001.001.03") -> SepaError:
    with pytest.raises(SepaError) as caught:
        build_pain001(batch, version)
    return caught.value


def with_payment(**changes: object) -> PaymentBatch:
    return replace(BATCH, payments=(replace(PAYMENTS[0], **changes), *PAYMENTS[1:]))  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", [1234.5, 1234, "1234.50"])
def test_amount_must_be_a_decimal(amount: object) -> None:
    with pytest.raises(TypeError, match="Decimal"):
        CreditTransfer("E2E-1", "A", "BE68539007547034", amount, remittance_text="x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"currency": "USD"}, "payments[0].currency", "in EUR, not USD"),
        ({"amount": Decimal(0)}, "payments[0].amount", "must be positive"),
        ({"amount": Decimal("-1.00")}, "payments[0].amount", "must be positive"),
        ({"amount": Decimal("Infinity")}, "payments[0].amount", "must be positive"),
        ({"amount": Decimal("1.005")}, "payments[0].amount", "more than two decimals"),
        ({"amount": Decimal("1000000000.00")}, "payments[0].amount", "exceeds the SEPA maximum"),
        ({"end_to_end_id": "E2E-2"}, "payments[1].end_to_end_id", "'E2E-2' is used twice"),
        ({"end_to_end_id": "X" * 36}, "payments[0].end_to_end_id", "1 to 35 SEPA characters"),
        ({"end_to_end_id": ""}, "payments[0].end_to_end_id", "1 to 35 SEPA characters"),
        ({"end_to_end_id": "E2E_1"}, "payments[0].end_to_end_id", "1 to 35 SEPA characters"),
        ({"end_to_end_id": " E2E-1"}, "payments[0].end_to_end_id", "outer spaces"),
        ({"end_to_end_id": "E2E//1"}, "payments[0].end_to_end_id", "'//'"),
        ({"end_to_end_id": "/E2E-1"}, "payments[0].end_to_end_id", "start or end with '/'"),
        (
            {"creditor_iban": "FR14 2004 1010 0505 0001 3M02 607"},
            "payments[0].creditor_iban",
            "not a valid IBAN",
        ),
        (
            {"creditor_iban": "TR330006100519786457841326"},
            "payments[0].creditor_iban",
            "outside the SEPA zone",
        ),
        ({"creditor_bic": "NOTABIC"}, "payments[0].creditor_bic", "not a valid BIC"),
        ({"creditor_name": "@@@"}, "payments[0].creditor_name", "no character usable"),
        ({"remittance_text": None}, "payments[0].remittance_text", "either a text or a structured"),
        (
            {"reference": validate_reference("RF18539007547034")},
            "payments[0].remittance_text",
            "either",
        ),
        ({"remittance_text": "x" * 141}, "payments[0].remittance_text", "1 to 140"),
        ({"remittance_text": "@@@"}, "payments[0].remittance_text", "1 to 140"),
    ],
)
def test_refused_payments_name_the_field(
    changes: dict[str, object], field: str, message: str
) -> None:
    error = refused(with_payment(**changes))
    assert error.field == field
    assert message in error.problem


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"payments": ()}, "payments", "at least one payment"),
        ({"message_id": "M" * 36}, "message_id", "1 to 35"),
        ({"created_at": datetime(2024, 3, 1, 9, 30)}, "created_at", "timezone-aware"),
        (
            {"requested_execution_date": datetime(2024, 3, 4, tzinfo=UTC)},
            "requested_execution_date",
            "not a datetime",
        ),
        (
            {"requested_execution_date": CREATED.date() - timedelta(days=1)},
            "requested_execution_date",
            "before",
        ),
        ({"debtor_iban": "BE68539007547035"}, "debtor_iban", "not a valid IBAN"),
        ({"debtor_bic": "GEBA"}, "debtor_bic", "not a valid BIC"),
        ({"debtor_name": "   "}, "debtor_name", "no character usable"),
    ],
)
def test_refused_batches_name_the_field(
    changes: dict[str, object], field: str, message: str
) -> None:
    error = refused(replace(BATCH, **changes))  # type: ignore[arg-type]
    assert error.field == field
    assert message in error.problem
    assert str(error).startswith(f"pain.001: {field}: ")


def test_unsupported_version() -> None:
    assert refused(BATCH, "pain.001.001.02").field == "version"


# -- property: sums are exact ----------------------------------------------------------------------

cents = st.integers(min_value=1, max_value=99_999_999_999).map(lambda c: Decimal(c).scaleb(-2))


@settings(database=None, max_examples=40, deadline=None)
@given(amounts=st.lists(cents, min_size=1, max_size=12))
def test_control_sum_is_the_exact_sum_of_the_amounts(amounts: list[Decimal]) -> None:
    payments = tuple(
        CreditTransfer(f"E2E-{i}", "Member", "BE68539007547034", amount, remittance_text="Payout")
        for i, amount in enumerate(amounts)
    )
    root, ns = parse(build_pain001(replace(BATCH, payments=payments)), "pain.001.001.03")
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == str(
        sum(amounts)
    )
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == str(
        len(amounts)
    )
    written = root.findall("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf/p:Amt/p:InstdAmt", ns)
    assert [Decimal(el.text or "") for el in written] == amounts


def test_output_that_fails_the_xsd_is_never_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(root: Element, batch: PaymentBatch) -> None:
        for element in root.iter("MsgId"):
            element.text = "M" * 36  # longer than Max35Text

    monkeypatch.setattr(sepa, "_finish", broken)
    error = refused(BATCH)
    assert error.field == "batch" and "does not match pain.001.001.03" in error.problem
