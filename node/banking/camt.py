"""Parse ISO 20022 CAMT.053 bank-to-customer statements into :mod:`node.banking.statement` values.

Why so strict: a statement moves money in our books. A file that is truncated, hand-edited or
hostile must be refused whole, with a message that names the statement and the entry at fault,
rather than half-imported. So:

* the file is parsed with :mod:`defusedxml` and any DTD is refused — an entity bomb ("billion
  laughs") or an external entity never gets expanded or fetched;
* only the namespaces in :data:`SUPPORTED_NAMESPACES` are read; another version is refused by name
  instead of being read with guessed paths;
* amounts are read as :class:`~decimal.Decimal` from the text (never through float) and must fit
  the currency's minor unit (babel's currency data: 2 for EUR, 0 for JPY, 3 for BHD);
* an entry's transaction details must add up to the entry, and the booked entries must lead from
  the opening to the closing balance.

Versions differ in a few places that this module handles both ways: ``Sts`` is a code in .02 and
``Sts/Cd`` in .08; parties are ``Dbtr/Nm`` in .02 and ``Dbtr/Pty/Nm`` in .08; a transaction's
amount is ``AmtDtls/TxAmt/Amt`` in .02 and usually ``TxDtls/Amt`` in .08.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from babel.numbers import get_currency_precision, is_currency
from defusedxml import DefusedXmlException
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from node.banking.errors import CamtError, InvalidReference
from node.banking.references import StructuredReference, parse_reference, validate_reference
from node.banking.statement import (
    Balance,
    Direction,
    Entry,
    EntryStatus,
    Statement,
    TransactionDetail,
    signed,
)

SUPPORTED_NAMESPACES = frozenset(
    {
        "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02",
        "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08",
    }
)
MAX_CAMT_BYTES = 10 * 1024 * 1024
"""Default size limit: a year of a co-operative's statements is far below it."""

_AMOUNT = re.compile(r"[0-9]{1,18}(?:\.[0-9]{1,5})?")  # ISO 20022 amount: no sign, ≤ 5 decimals
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T.+")
_OPENING_TYPES = ("OPBD", "PRCD")  # opening booked; "previously closed booked" in some banks
_CLOSING_TYPES = ("CLBD",)


def parse_camt053(
    data: bytes, max_bytes: int = MAX_CAMT_BYTES, *, check_balances: bool = True
) -> list[Statement]:
    """Every statement in a CAMT.053 file, or :class:`CamtError` if anything in it is wrong.

    :param data: the file as received (bytes, so that its XML encoding declaration is honoured).
    :param max_bytes: larger files are refused before parsing.
    :param check_balances: require opening balance + booked entries = closing balance when the
        statement reports both; turn off only for banks known to report them inconsistently.
    """
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"CAMT data must be bytes, not {type(data).__name__}")
    if len(data) > max_bytes:
        raise CamtError(f"file of {len(data)} bytes exceeds the limit of {max_bytes} bytes")
    root = _parse_xml(bytes(data))
    namespace = _namespace_of(root)
    reader = _Reader(namespace)
    document = reader.find(root, "BkToCstmrStmt")
    if document is None:
        raise CamtError("no BkToCstmrStmt element: not a bank-to-customer statement")
    message_id = reader.text(document, "GrpHdr/MsgId") or ""
    statements = [
        reader.statement(element, message_id, check_balances)
        for element in reader.findall(document, "Stmt")
    ]
    if not statements:
        raise CamtError("the file holds no statement (Stmt)")
    return statements


def _parse_xml(data: bytes) -> Element:
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise CamtError(
            f"refused: the file declares a DTD or entities ({type(exc).__name__}); "
            "bank statements never need them and they are how XML bombs and external-entity "
            "attacks work"
        ) from None
    except ParseError as exc:
        raise CamtError(f"not well-formed XML: {exc}") from None


def _namespace_of(root: Element) -> str:
    match = re.fullmatch(r"\{([^}]*)\}(.*)", root.tag)
    namespace, local = (match.group(1), match.group(2)) if match else ("", root.tag)
    if local != "Document":
        raise CamtError(f"the root element is {local!r}, expected 'Document'")
    if namespace not in SUPPORTED_NAMESPACES:
        supported = ", ".join(sorted(SUPPORTED_NAMESPACES))
        raise CamtError(f"unsupported namespace {namespace or '(none)'!r}; supported: {supported}")
    return namespace


class _Reader:
    """Reads elements of one namespace; keeps track of where it is for error messages."""

    def __init__(self, namespace: str) -> None:
        self.ns = {"": namespace}
        self.statement_id: str | None = None
        self.entry_index: int | None = None
        self.entry_ref: str | None = None

    def error(self, problem: str) -> CamtError:
        return CamtError(
            problem,
            statement_id=self.statement_id,
            entry_index=self.entry_index,
            entry_ref=self.entry_ref,
        )

    def find(self, element: Element, path: str) -> Element | None:
        return element.find(path, self.ns)

    def findall(self, element: Element, path: str) -> list[Element]:
        return element.findall(path, self.ns)

    def text(self, element: Element, path: str) -> str | None:
        found = element.find(path, self.ns)
        if found is None or found.text is None or not found.text.strip():
            return None
        return found.text.strip()

    def required(self, element: Element, path: str) -> str:
        value = self.text(element, path)
        if value is None:
            raise self.error(f"missing {path}")
        return value

    # -- values ------------------------------------------------------------------------------

    def amount(self, element: Element | None, what: str) -> tuple[Decimal, str]:
        if element is None or element.text is None:
            raise self.error(f"missing {what}")
        text, currency = element.text.strip(), element.get("Ccy", "")
        if not _AMOUNT.fullmatch(text):
            raise self.error(f"{what} {text!r} is not an ISO 20022 amount")
        if not is_currency(currency):
            raise self.error(f"{what} has an unknown currency {currency!r}")
        value = Decimal(text)
        minor_unit = Decimal(1).scaleb(-get_currency_precision(currency))
        if value != value.quantize(minor_unit):
            raise self.error(f"{what} {text} {currency} has more decimals than {currency} allows")
        return value.quantize(minor_unit), currency

    def direction(self, element: Element, what: str) -> Direction:
        code = self.required(element, "CdtDbtInd")
        try:
            return Direction(code)
        except ValueError:
            raise self.error(f"{what} has an invalid CdtDbtInd {code!r}") from None

    def date(self, element: Element, path: str) -> date | None:
        holder = self.find(element, path)
        if holder is None:
            return None
        day, moment = self.text(holder, "Dt"), self.text(holder, "DtTm")
        try:
            if day is not None and _DATE.fullmatch(day):
                return date.fromisoformat(day)
            if moment is not None and _DATETIME.fullmatch(moment):
                return datetime.fromisoformat(moment).date()
        except ValueError:
            pass
        raise self.error(f"{path} is not a valid date: {day or moment!r}")

    # -- structure ---------------------------------------------------------------------------

    def statement(self, element: Element, message_id: str, check_balances: bool) -> Statement:
        self.statement_id = self.required(element, "Id")
        self.entry_index = self.entry_ref = None
        iban = self.iban(element)
        balances = [self.balance(b) for b in self.findall(element, "Bal")]
        currency = self.text(element, "Acct/Ccy") or next((b.currency for b in balances), None)
        entries_xml = self.findall(element, "Ntry")
        if currency is None and entries_xml:
            currency = self.amount(self.find(entries_xml[0], "Amt"), "Ntry/Amt")[1]
        if currency is None:
            raise self.error("the statement has no currency (Acct/Ccy), balance or entry")
        for balance in balances:
            if balance.currency != currency:
                raise self.error(f"balance {balance.type} is in {balance.currency}, not {currency}")
        opening = next((b for t in _OPENING_TYPES for b in balances if b.type == t), None)
        closing = next((b for t in _CLOSING_TYPES for b in balances if b.type == t), None)
        entries = tuple(
            self.entry(e, index, currency) for index, e in enumerate(entries_xml, start=1)
        )
        self.entry_index = self.entry_ref = None
        if check_balances and opening is not None and closing is not None:
            booked = sum(
                (e.signed_amount for e in entries if e.status is EntryStatus.BOOKED), Decimal(0)
            )
            if opening.signed_amount + booked != closing.signed_amount:
                raise self.error(
                    f"opening balance {opening.signed_amount} + booked entries {booked} "
                    f"!= closing balance {closing.signed_amount} {currency}"
                )
        return Statement(message_id, self.statement_id, iban, currency, opening, closing, entries)

    def iban(self, element: Element) -> str:
        text = self.text(element, "Acct/Id/IBAN")
        if text is None:
            raise self.error("the account has no IBAN (Acct/Id/IBAN)")
        try:
            return str(IBAN(text).compact)
        except SchwiftyException as exc:
            raise self.error(f"the account IBAN {text!r} is invalid: {exc}") from None

    def balance(self, element: Element) -> Balance:
        code = self.text(element, "Tp/CdOrPrtry/Cd") or self.text(element, "Tp/CdOrPrtry/Prtry")
        if code is None:
            raise self.error("a balance has no type (Bal/Tp/CdOrPrtry)")
        amount, currency = self.amount(self.find(element, "Amt"), f"balance {code} amount")
        day = self.date(element, "Dt")
        if day is None:
            raise self.error(f"balance {code} has no date")
        return Balance(code, amount, currency, self.direction(element, f"balance {code}"), day)

    def entry(self, element: Element, index: int, currency: str) -> Entry:
        self.entry_index, self.entry_ref = index, self.text(element, "AcctSvcrRef")
        amount, entry_currency = self.amount(self.find(element, "Amt"), "entry amount")
        if entry_currency != currency:
            raise self.error(f"entry amount is in {entry_currency}, the account in {currency}")
        direction = self.direction(element, "the entry")
        status_code = self.text(element, "Sts/Cd") or self.text(element, "Sts") or "(none)"
        try:
            status = EntryStatus(status_code)
        except ValueError:
            raise self.error(f"unknown entry status {status_code!r}") from None
        details = self.findall(element, "NtryDtls/TxDtls")
        transactions = tuple(
            self.transaction(tx, number, len(details), amount, currency, direction)
            for number, tx in enumerate(details, start=1)
        )
        if transactions:
            total = sum((signed(t.amount, t.direction) for t in transactions), Decimal(0))
            if total != signed(amount, direction):
                raise self.error(
                    f"the transaction details add up to {total} {currency}, "
                    f"the entry is {signed(amount, direction)} {currency}"
                )
        return Entry(
            index=index,
            account_servicer_ref=self.entry_ref,
            amount=amount,
            currency=currency,
            direction=direction,
            status=status,
            booking_date=self.date(element, "BookgDt"),
            value_date=self.date(element, "ValDt"),
            reversal=(self.text(element, "RvslInd") or "false").lower() in ("true", "1"),
            additional_info=self.text(element, "AddtlNtryInf") or "",
            transactions=transactions,
        )

    def transaction(
        self,
        element: Element,
        number: int,
        count: int,
        entry_amount: Decimal,
        currency: str,
        entry_direction: Direction,
    ) -> TransactionDetail:
        what = f"transaction {number} amount"
        # .08 puts the amount in TxDtls/Amt, .02 in AmtDtls/TxAmt; take the one in account currency
        candidates = [
            found
            for path in ("Amt", "AmtDtls/TxAmt/Amt")
            if (found := self.find(element, path)) is not None
        ]
        if not candidates and count > 1:
            raise self.error(f"missing {what} in a batch of {count} transactions")
        amounts = [self.amount(found, what) for found in candidates] or [(entry_amount, currency)]
        amount = next((value for value, ccy in amounts if ccy == currency), None)
        if amount is None:
            raise self.error(f"{what} is in {amounts[0][1]}, the entry in {currency}")
        direction = (
            self.direction(element, f"transaction {number}")
            if self.text(element, "CdtDbtInd")
            else entry_direction
        )
        instructed = self.find(element, "AmtDtls/InstdAmt/Amt")
        original = None
        if instructed is not None:
            original = self.amount(instructed, f"transaction {number} instructed amount")
            if original[1] == currency:
                original = None  # same currency: nothing to add to ``amount``
        side = "Dbtr" if direction is Direction.CREDIT else "Cdtr"
        end_to_end_id = self.text(element, "Refs/EndToEndId")
        raw_reference = self.text(element, "RmtInf/Strd/CdtrRefInf/Ref")
        unstructured = " ".join(
            text
            for el in self.findall(element, "RmtInf/Ustrd")
            if (text := (el.text or "").strip())
        )
        additional = self.text(element, "RmtInf/Strd/AddtlRmtInf")
        return TransactionDetail(
            amount=amount,
            currency=currency,
            direction=direction,
            end_to_end_id=None if end_to_end_id in (None, "NOTPROVIDED") else end_to_end_id,
            account_servicer_ref=self.text(element, "Refs/AcctSvcrRef"),
            counterparty_name=self.text(element, f"RltdPties/{side}/Nm")
            or self.text(element, f"RltdPties/{side}/Pty/Nm"),
            counterparty_iban=_compact_iban(self.text(element, f"RltdPties/{side}Acct/Id/IBAN")),
            reference=_reference(raw_reference, unstructured, additional),
            raw_reference=raw_reference,
            remittance_text=" ".join(t for t in (unstructured, additional) if t),
            original_amount=original[0] if original else None,
            original_currency=original[1] if original else None,
        )


def _reference(raw: str | None, *texts: str | None) -> StructuredReference | None:
    """The structured field if it holds a valid reference, else the first one in the free text."""
    if raw is not None:
        try:
            return validate_reference(raw)
        except InvalidReference:
            pass
    for text in texts:
        if text and (found := parse_reference(text)) is not None:
            return found
    return None


def _compact_iban(text: str | None) -> str | None:
    # Counterparty IBANs are kept as the bank reports them: refusing a whole statement because a
    # payer's bank sent a malformed IBAN would block every other payment in it.
    return text.replace(" ", "").upper() if text else None
