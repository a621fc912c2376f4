"""CAMT.053 import: what a realistic file yields, and how bad or hostile files are refused."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from node.banking.camt import parse_camt053
from node.banking.errors import CamtError
from node.banking.references import StructuredReference
from node.banking.statement import Direction, EntryStatus, Statement

DATA = Path(__file__).parent / "data"
V02 = (DATA / "camt053_v02_be.xml").read_bytes()
V08 = (DATA / "camt053_v08_two_accounts.xml").read_bytes()


def ogm(compact: str) -> StructuredReference:
    return StructuredReference("be_ogm", compact)


def rf(compact: str) -> StructuredReference:
    return StructuredReference("rf", compact)


def camt(entries: str, *, currency: str = "EUR", balances: str = "", ns: str = ".02") -> bytes:
    """A minimal statement around ``entries``, for checks that need no realistic context."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001{ns}"><BkToCstmrStmt>
<GrpHdr><MsgId>M-1</MsgId><CreDtTm>2024-03-04T22:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S-1</Id><CreDtTm>2024-03-04T22:00:00</CreDtTm>
<Acct><Id><IBAN>BE68539007547034</IBAN></Id><Ccy>{currency}</Ccy></Acct>{balances}{entries}
</Stmt></BkToCstmrStmt></Document>""".encode()


def entry(
    amount: str = "10.00", currency: str = "EUR", *, sts: str = "BOOK", details: str = ""
) -> str:
    return (
        f'<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>{sts}</Sts>'
        f"<BookgDt><Dt>2024-03-04</Dt></BookgDt><AcctSvcrRef>REF-1</AcctSvcrRef>{details}</Ntry>"
    )


# -- a realistic camt.053.001.02 file ----------------------------------------------------------------


@pytest.fixture(scope="module")
def belgian() -> Statement:
    [statement] = parse_camt053(V02)
    return statement


def test_statement_header_and_balances(belgian: Statement) -> None:
    assert belgian.message_id == "BE68539007547034-20240304-0001"
    assert (belgian.id, belgian.iban, belgian.currency) == ("2024-045", "BE68539007547034", "EUR")
    assert belgian.opening_balance is not None and belgian.closing_balance is not None
    assert belgian.opening_balance.type == "OPBD"
    assert belgian.opening_balance.signed_amount == Decimal("10000.00")
    assert belgian.opening_balance.date == date(2024, 3, 3)
    assert belgian.closing_balance.type == "CLBD"  # not CLAV, the available balance
    assert belgian.closing_balance.amount == Decimal("12230.29")
    assert [e.index for e in belgian.entries] == list(range(1, 10))


def test_amounts_are_exact_decimals_at_the_minor_unit(belgian: Statement) -> None:
    amounts = [e.amount for e in belgian.entries]
    assert all(type(a) is Decimal for a in amounts)
    assert [str(a) for a in amounts] == [
        "1210.00", "500.00", "400.00", "1234.55", "912.34", "75.00", "12.50", "300.00", "80.00"
    ]  # fmt: skip


def test_single_credit_with_a_structured_communication(belgian: Statement) -> None:
    first = belgian.entries[0]
    assert first.account_servicer_ref == "2024030400001"
    assert (first.direction, first.status, first.reversal) == (
        Direction.CREDIT,
        EntryStatus.BOOKED,
        False,
    )
    assert (first.booking_date, first.value_date) == (date(2024, 3, 4), date(2024, 3, 4))
    [tx] = first.transactions
    assert tx.amount == Decimal("1210.00") and tx.currency == "EUR"
    assert tx.end_to_end_id is None  # NOTPROVIDED
    assert tx.account_servicer_ref == "2024030400001-1"
    assert (tx.counterparty_name, tx.counterparty_iban) == (
        "Atelier Dupont SRL",
        "BE71096123456769",
    )
    assert tx.reference == ogm("202400001754")
    assert tx.raw_reference == "202400001754"


def test_structured_communication_found_in_the_unstructured_text(belgian: Statement) -> None:
    [tx] = belgian.entries[1].transactions
    assert tx.raw_reference is None
    assert tx.remittance_text == "FACTURE 2024-018 +++202/4000/01855+++"
    assert tx.reference == ogm("202400001855")
    assert tx.end_to_end_id == "PEETERS-0318"


def test_batch_credit_with_three_transactions(belgian: Statement) -> None:
    batch = belgian.entries[2]
    assert len(batch.transactions) == 3
    assert sum(t.amount for t in batch.transactions) == batch.amount == Decimal("400.00")
    assert [t.reference for t in batch.transactions] == [
        rf("RF44INV2024031"),  # structured field
        rf("RF17INV2024032"),  # grouped in free text
        ogm("202400001956"),  # slashes only, in the second Ustrd line
    ]
    assert batch.transactions[2].remittance_text == "paiement solde 202/4000/01956"
    assert {t.counterparty_name for t in batch.transactions} == {"Studio Kappa GmbH"}


def test_payout_batch_debit_carries_our_end_to_end_ids(belgian: Statement) -> None:
    payouts = belgian.entries[3]
    assert payouts.direction is Direction.DEBIT
    assert [(t.end_to_end_id, t.amount) for t in payouts.transactions] == [
        ("E2E-1", Decimal("1234.50")),
        ("E2E-2", Decimal("0.05")),
    ]
    # for a debit the counterparty is the creditor
    assert payouts.transactions[0].counterparty_name == "Jean Muller"
    assert payouts.transactions[0].counterparty_iban == "FR1420041010050500013M02606"
    assert all(t.direction is Direction.DEBIT for t in payouts.transactions)


def test_foreign_currency_payment_keeps_the_instructed_amount(belgian: Statement) -> None:
    entry_ = belgian.entries[4]
    [tx] = entry_.transactions
    assert (tx.amount, tx.currency) == (Decimal("912.34"), "EUR")
    assert (tx.original_amount, tx.original_currency) == (Decimal("1000.00"), "USD")
    assert tx.counterparty_iban is None  # a US account number, not an IBAN
    assert tx.reference == rf("RF3520240044")
    assert entry_.value_date == date(2024, 3, 5)
    assert belgian.entries[0].transactions[0].original_amount is None


def test_reversal_and_entries_without_details(belgian: Statement) -> None:
    returned = belgian.entries[5]
    assert returned.reversal and returned.direction is Direction.CREDIT
    assert returned.additional_info == "RETOUR VIREMENT - COMPTE CLOTURE"
    assert returned.transactions[0].end_to_end_id == "E2E-0099"
    fees = belgian.entries[6]
    assert fees.transactions == () and fees.additional_info.startswith("Frais de gestion")


def test_mistyped_reference_is_kept_raw_but_not_trusted(belgian: Statement) -> None:
    [tx] = belgian.entries[7].transactions
    assert tx.raw_reference == "202400002058"
    assert tx.reference is None
    assert belgian.entries[8].transactions[0].reference is None


# -- camt.053.001.08 ---------------------------------------------------------------------------------


def test_version_08_with_two_statements() -> None:
    dutch, german = parse_camt053(V08)
    assert (dutch.message_id, german.message_id) == ("RABO-20240305-7781",) * 2
    assert dutch.iban == "NL44RABO0123456789" and german.iban == "DE60500105175407324061"
    first = dutch.entries[0]
    assert first.booking_date == date(2024, 3, 5)  # from a DtTm
    [tx] = first.transactions
    assert tx.counterparty_name == "Van Dijk Consultancy"  # Dbtr/Pty/Nm
    assert tx.reference == rf("RF87INV2024033")
    assert [t.end_to_end_id for t in dutch.entries[1].transactions] == ["E2E-10", "E2E-11"]
    pending = dutch.entries[2]
    assert pending.status is EntryStatus.PENDING and pending.booking_date is None
    recalled = dutch.entries[3]
    assert recalled.reversal and recalled.direction is Direction.DEBIT
    assert dutch.closing_balance is not None
    assert dutch.closing_balance.date == date(2024, 3, 5)


def test_version_08_previously_closed_balance_and_amount_on_the_entry_only() -> None:
    german = parse_camt053(V08)[1]
    assert german.opening_balance is not None and german.closing_balance is not None
    assert german.opening_balance.type == "PRCD"
    assert german.opening_balance.signed_amount == Decimal("-150.00")
    assert str(german.closing_balance.amount) == "0.00"
    [tx] = german.entries[0].transactions
    assert (tx.amount, tx.direction) == (Decimal("150.00"), Direction.CREDIT)
    assert tx.counterparty_name == "Müller & Söhne KG"
    assert tx.end_to_end_id is None


# -- hostile files -----------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt><GrpHdr><MsgId>&lol9;</MsgId></GrpHdr></BkToCstmrStmt>
</Document>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt><GrpHdr><MsgId>&secret;</MsgId></GrpHdr></BkToCstmrStmt>
</Document>"""


def test_xml_bomb_is_refused_without_expansion() -> None:
    started = time.perf_counter()
    with pytest.raises(CamtError, match="DTD or entities") as refused:
        parse_camt053(BILLION_LAUGHS)
    assert time.perf_counter() - started < 1
    assert "lol" not in str(refused.value)


def test_external_entity_is_refused_without_reading_it() -> None:
    with pytest.raises(CamtError, match="DTD or entities") as refused:
        parse_camt053(EXTERNAL_ENTITY)
    assert "root:" not in str(refused.value)


def test_any_doctype_is_refused() -> None:
    harmless = V02.replace(b"<Document ", b"<!DOCTYPE Document>\n<Document ", 1)
    with pytest.raises(CamtError, match="DTD"):
        parse_camt053(harmless)


def test_files_over_the_size_limit_are_refused_before_parsing() -> None:
    with pytest.raises(CamtError, match=f"{len(V02)} bytes exceeds the limit of 1000 bytes"):
        parse_camt053(V02, max_bytes=1000)
    assert parse_camt053(V02, max_bytes=len(V02))


@pytest.mark.parametrize(
    ("namespace", "shown"),
    [
        (b"urn:iso:std:iso:20022:tech:xsd:camt.053.001.04", "camt.053.001.04"),
        (b"urn:iso:std:iso:20022:tech:xsd:camt.052.001.02", "camt.052.001.02"),
        (b"urn:example:not-a-bank", "urn:example:not-a-bank"),
    ],
)
def test_unsupported_namespace_is_named(namespace: bytes, shown: str) -> None:
    data = V02.replace(b"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", namespace)
    with pytest.raises(CamtError, match=f"unsupported namespace '.*{shown}'") as refused:
        parse_camt053(data)
    assert "camt.053.001.02" in str(refused.value)  # and says what is supported


def test_missing_namespace_is_refused() -> None:
    data = V02.replace(b' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"', b"")
    with pytest.raises(CamtError, match=r"unsupported namespace '\(none\)'"):
        parse_camt053(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (V02[: len(V02) // 2], "not well-formed XML"),
        (b"", "not well-formed XML"),
        (b"<Invoice/>", "root element is 'Invoice'"),
        (camt("").replace(b"<Stmt>", b"<Other>").replace(b"</Stmt>", b"</Other>"), "no statement"),
    ],
)
def test_malformed_files(data: bytes, message: str) -> None:
    with pytest.raises(CamtError, match=message):
        parse_camt053(data)


def test_text_instead_of_bytes_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_camt053(V02.decode())  # type: ignore[arg-type]


# -- errors name the statement and the entry ----------------------------------------------------------


def refused(data: bytes) -> CamtError:
    with pytest.raises(CamtError) as caught:
        parse_camt053(data)
    return caught.value


def test_details_that_do_not_add_up_name_the_entry() -> None:
    error = refused(V02.replace(b'"EUR">250.50<', b'"EUR">250.51<'))
    assert (error.statement_id, error.entry_index, error.entry_ref) == (
        "2024-045",
        3,
        "2024030400003",
    )
    assert str(error) == (
        "CAMT.053: statement '2024-045', entry 3 (AcctSvcrRef '2024030400003'): "
        "the transaction details add up to 400.01 EUR, the entry is 400.00 EUR"
    )


def test_missing_transaction_amount_in_a_batch() -> None:
    data = V02.replace(
        b'<TxAmt>\n                <Amt Ccy="EUR">250.50</Amt>\n              </TxAmt>', b""
    )
    error = refused(data)
    assert error.entry_index == 3
    assert "missing transaction 2 amount in a batch of 3 transactions" in str(error)


def test_missing_entry_amount() -> None:
    error = refused(V02.replace(b'<Amt Ccy="EUR">80.00</Amt>\n        <CdtDbtInd>', b"<CdtDbtInd>"))
    assert (error.entry_index, error.entry_ref) == (9, "2024030400009")
    assert error.problem == "missing entry amount"


@pytest.mark.parametrize("bad", [b"2024-02-30", b"20240304", b"04/03/2024", b""])
def test_bad_booking_date(bad: bytes) -> None:
    data = V02.replace(
        b"<BookgDt>\n          <Dt>2024-03-04</Dt>", b"<BookgDt><Dt>" + bad + b"</Dt>", 1
    )
    error = refused(data)
    assert (error.entry_index, error.entry_ref) == (1, "2024030400001")
    assert "BookgDt is not a valid date" in error.problem


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1210.001", "has more decimals than EUR allows"),
        ("-1210.00", "is not an ISO 20022 amount"),
        ("1,210.00", "is not an ISO 20022 amount"),
        ("1e3", "is not an ISO 20022 amount"),
        ("NaN", "is not an ISO 20022 amount"),
    ],
)
def test_bad_amounts(amount: str, message: str) -> None:
    error = refused(V02.replace(b">1210.00<", f">{amount}<".encode(), 1))
    assert error.entry_index == 1 and message in error.problem


def test_trailing_zeros_beyond_the_minor_unit_are_accepted() -> None:
    [statement] = parse_camt053(V02.replace(b">1210.00<", b">1210.000<"))
    assert str(statement.entries[0].amount) == "1210.00"


def test_minor_unit_comes_from_the_currency() -> None:
    [yen] = parse_camt053(camt(entry("1500", "JPY"), currency="JPY"))
    assert str(yen.entries[0].amount) == "1500"
    assert "more decimals than JPY allows" in str(
        refused(camt(entry("1500.5", "JPY"), currency="JPY"))
    )
    [dinar] = parse_camt053(camt(entry("1.125", "BHD"), currency="BHD"))
    assert dinar.entries[0].amount == Decimal("1.125")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (camt(entry(currency="XYZ"), currency="XYZ"), "unknown currency 'XYZ'"),
        (camt(entry(currency="USD")), "entry amount is in USD, the account in EUR"),
        (camt(entry(sts="BOOKED")), "unknown entry status 'BOOKED'"),
        (camt(entry().replace("CRDT", "CR")), "invalid CdtDbtInd 'CR'"),
        (
            camt(
                entry(details="<NtryDtls><TxDtls><Amt Ccy='USD'>10.00</Amt></TxDtls></NtryDtls>"),
                ns=".08",
            ),
            "transaction 1 amount is in USD, the entry in EUR",
        ),
    ],
)
def test_entry_level_errors_name_the_entry(data: bytes, message: str) -> None:
    error = refused(data)
    assert (error.statement_id, error.entry_index, error.entry_ref) == ("S-1", 1, "REF-1")
    assert message in error.problem


def test_an_element_in_a_foreign_namespace_is_not_read() -> None:
    data = V02.replace(b'<Amt Ccy="EUR">80.00</Amt>', b'<Amt xmlns="urn:x" Ccy="EUR">80.00</Amt>')
    error = refused(data)
    assert error.entry_index == 9 and error.problem == "missing entry amount"


def test_balances_must_reconcile_with_the_booked_entries() -> None:
    data = V02.replace(b">12230.29<", b">12230.30<", 1)
    error = refused(data)
    assert error.statement_id == "2024-045" and error.entry_index is None
    assert "opening balance 10000.00 + booked entries 2230.29 != closing balance 12230.30" in str(
        error
    )
    assert parse_camt053(data, check_balances=False)[0].closing_balance is not None


def test_pending_entries_are_outside_the_balance_check() -> None:
    dutch = parse_camt053(V08)[0]
    assert dutch.entries[2].status is EntryStatus.PENDING  # 99.99 not in 2500 - 2000 + 1500 - 50


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (b"<IBAN>BE68539007547034</IBAN>", b"<IBAN>BE68539007547035</IBAN>", "account IBAN"),
        (b"<IBAN>BE68539007547034</IBAN>", b"<Othr><Id>12345</Id></Othr>", "has no IBAN"),
        (b"<Id>2024-045</Id>", b"", "missing Id"),
    ],
)
def test_statement_level_errors(old: bytes, new: bytes, message: str) -> None:
    assert message in str(refused(V02.replace(old, new, 1)))
