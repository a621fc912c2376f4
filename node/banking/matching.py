"""Match statement lines to what the co-operative expects: client payments and sent payouts.

Pure functions over plain values, so the database side decides what "open" means and what to do
with the result, and so the rules can be tested without a database:

* **Credits** (:func:`match_credits`) are matched to open items — invoices — by their structured
  reference only, never by amount or name: two invoices of the same amount are common, a reference
  with a checksum is not ambiguous. The amount may be short (partial payment) or over (overpayment);
  several payments for one item are applied in statement order against what is still outstanding.
* **Debits** (:func:`match_debits`) are matched to payouts sent in a pain.001 file by their
  end-to-end id, which the bank must carry through; the amount must then be exactly the one sent.
* **Announced transfers** (:func:`match_transfers`) — a peer co-op paying a settlement
  statement's net — are credits found by the payer's end-to-end id or, failing that, by the
  statement's uuid in the remittance information; the amount must then be exactly the one due.
  Credits that name none are handed back for :func:`match_credits`.

Everything that cannot be matched comes back in ``unmatched`` with a reason code and a sentence,
for the staff's unmatched queue. Lines of the other direction are ignored by each function.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from node.banking.references import StructuredReference, parse_reference
from node.banking.statement import Direction, EntryStatus, Statement


@dataclass(frozen=True)
class BankLine:
    """One payment on a statement: a transaction detail with the context of its entry.

    ``transaction_index`` is the 1-based position of the ``TxDtls`` in the entry, or None when the
    bank reported the entry without details (then the reference is looked for in
    ``AddtlNtryInf``). ``reversal`` and ``status`` come from the entry.
    """

    statement_id: str
    entry_index: int
    entry_ref: str | None
    transaction_index: int | None
    direction: Direction
    status: EntryStatus
    reversal: bool
    booking_date: date | None
    amount: Decimal
    currency: str
    end_to_end_id: str | None = None
    reference: StructuredReference | None = None
    raw_reference: str | None = None
    remittance_text: str = ""
    counterparty_name: str | None = None
    counterparty_iban: str | None = None


def bank_lines(statements: Iterable[Statement]) -> list[BankLine]:
    """Every payment of ``statements`` as :class:`BankLine`, in statement order."""
    lines: list[BankLine] = []
    for statement in statements:
        for entry in statement.entries:
            whole_entry = BankLine(
                statement_id=statement.id,
                entry_index=entry.index,
                entry_ref=entry.account_servicer_ref,
                transaction_index=None,
                direction=entry.direction,
                status=entry.status,
                reversal=entry.reversal,
                booking_date=entry.booking_date,
                amount=entry.amount,
                currency=entry.currency,
                reference=parse_reference(entry.additional_info),
                remittance_text=entry.additional_info,
            )
            if not entry.transactions:
                lines.append(whole_entry)
            lines.extend(
                replace(
                    whole_entry,
                    transaction_index=number,
                    direction=tx.direction,
                    amount=tx.amount,
                    end_to_end_id=tx.end_to_end_id,
                    reference=tx.reference,
                    raw_reference=tx.raw_reference,
                    remittance_text=tx.remittance_text,
                    counterparty_name=tx.counterparty_name,
                    counterparty_iban=tx.counterparty_iban,
                )
                for number, tx in enumerate(entry.transactions, start=1)
            )
    return lines


def _check_amount(value: object, name: str) -> None:
    if isinstance(value, float):
        raise TypeError(f"{name} must be a Decimal, not a float (floats cannot hold cents exactly)")
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite amount, got {value}")


@dataclass(frozen=True)
class OpenItem:
    """Something a client still owes (an invoice): ``outstanding`` in ``currency``."""

    key: str
    reference: StructuredReference
    outstanding: Decimal
    currency: str

    def __post_init__(self) -> None:
        _check_amount(self.outstanding, "outstanding")


@dataclass(frozen=True)
class SentPayout:
    """A credit transfer the co-operative sent in a pain.001 file."""

    key: str
    end_to_end_id: str
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        _check_amount(self.amount, "amount")


class Outcome(StrEnum):
    SETTLED = "settled"  # paid exactly what was outstanding
    PARTIAL = "partial"  # something remains outstanding
    OVERPAID = "overpaid"  # more than was outstanding; the difference is owed back or credited


class Reason(StrEnum):
    """Why a line went to the unmatched queue; stable codes for the database and the UI."""

    NOT_BOOKED = "not-booked"
    REVERSAL = "reversal"
    NO_REFERENCE = "no-reference"
    INVALID_REFERENCE = "invalid-reference"
    UNKNOWN_REFERENCE = "unknown-reference"
    CURRENCY_MISMATCH = "currency-mismatch"
    NO_END_TO_END_ID = "no-end-to-end-id"
    UNKNOWN_END_TO_END_ID = "unknown-end-to-end-id"
    AMOUNT_MISMATCH = "amount-mismatch"
    ALREADY_MATCHED = "already-matched"
    NOT_DUE = "not-due"  # it names a transfer that nothing is due on (yet)


@dataclass(frozen=True)
class CreditMatch:
    key: str
    line: BankLine
    outstanding_before: Decimal

    @property
    def outstanding_after(self) -> Decimal:
        """Negative when overpaid."""
        return self.outstanding_before - self.line.amount

    @property
    def outcome(self) -> Outcome:
        if self.outstanding_after == 0:
            return Outcome.SETTLED
        return Outcome.PARTIAL if self.outstanding_after > 0 else Outcome.OVERPAID


@dataclass(frozen=True)
class DebitMatch:
    key: str
    line: BankLine


@dataclass(frozen=True)
class Unmatched:
    line: BankLine
    reason: Reason
    detail: str


@dataclass(frozen=True)
class CreditMatching:
    matches: tuple[CreditMatch, ...]
    unmatched: tuple[Unmatched, ...]


@dataclass(frozen=True)
class DebitMatching:
    matches: tuple[DebitMatch, ...]
    unmatched: tuple[Unmatched, ...]


def _refused(line: BankLine) -> Unmatched | None:
    """Lines that must not be matched automatically whatever their references say."""
    if line.status is not EntryStatus.BOOKED:
        return Unmatched(line, Reason.NOT_BOOKED, f"entry status is {line.status.value}")
    if line.reversal:
        return Unmatched(line, Reason.REVERSAL, "the entry reverses an earlier one")
    return None


def match_credits(open_items: Iterable[OpenItem], lines: Iterable[BankLine]) -> CreditMatching:
    """Match booked credit lines to ``open_items`` by structured reference.

    Raises ValueError when two open items share a reference: that is a bug upstream, and
    guessing which invoice a payment was for is exactly what references are there to avoid.
    """
    items: dict[StructuredReference, OpenItem] = {}
    for item in open_items:
        if (other := items.get(item.reference)) is not None:
            raise ValueError(
                f"open items {other.key!r} and {item.key!r} share the reference {item.reference}"
            )
        items[item.reference] = item
    remaining = {item.key: item.outstanding for item in items.values()}
    matches: list[CreditMatch] = []
    unmatched: list[Unmatched] = []
    for line in lines:
        if line.direction is not Direction.CREDIT:
            continue
        if (refused := _refused(line)) is not None:
            unmatched.append(refused)
        elif line.reference is None:
            if line.raw_reference:
                detail = f"the reference {line.raw_reference!r} fails its checksum or format"
                unmatched.append(Unmatched(line, Reason.INVALID_REFERENCE, detail))
            else:
                detail = "no structured reference in the payment"
                unmatched.append(Unmatched(line, Reason.NO_REFERENCE, detail))
        elif (due := items.get(line.reference)) is None:
            detail = f"no open item has the reference {line.reference}"
            unmatched.append(Unmatched(line, Reason.UNKNOWN_REFERENCE, detail))
        elif due.currency != line.currency:
            detail = f"{due.key!r} is due in {due.currency}, paid in {line.currency}"
            unmatched.append(Unmatched(line, Reason.CURRENCY_MISMATCH, detail))
        else:
            match = CreditMatch(due.key, line, remaining[due.key])
            remaining[due.key] = match.outstanding_after
            matches.append(match)
    return CreditMatching(tuple(matches), tuple(unmatched))


def match_debits(payouts: Iterable[SentPayout], lines: Iterable[BankLine]) -> DebitMatching:
    """Match booked debit lines to ``payouts`` by end-to-end id; the amount must be exact.

    Raises ValueError when two payouts share an end-to-end id (pain.001 export refuses that too).
    """
    by_id: dict[str, SentPayout] = {}
    for payout in payouts:
        if (other := by_id.get(payout.end_to_end_id)) is not None:
            raise ValueError(
                f"payouts {other.key!r} and {payout.key!r} share the end-to-end id "
                f"{payout.end_to_end_id!r}"
            )
        by_id[payout.end_to_end_id] = payout
    matched: set[str] = set()
    matches: list[DebitMatch] = []
    unmatched: list[Unmatched] = []
    for line in lines:
        if line.direction is not Direction.DEBIT:
            continue
        if (refused := _refused(line)) is not None:
            unmatched.append(refused)
        elif line.end_to_end_id is None:
            unmatched.append(Unmatched(line, Reason.NO_END_TO_END_ID, "no end-to-end id"))
        elif (sent := by_id.get(line.end_to_end_id)) is None:
            detail = f"no sent payout has the end-to-end id {line.end_to_end_id!r}"
            unmatched.append(Unmatched(line, Reason.UNKNOWN_END_TO_END_ID, detail))
        elif (sent.amount, sent.currency) != (line.amount, line.currency):
            detail = (
                f"{sent.key!r} was sent for {sent.amount} {sent.currency}, "
                f"the bank debited {line.amount} {line.currency}"
            )
            unmatched.append(Unmatched(line, Reason.AMOUNT_MISMATCH, detail))
        elif sent.key in matched:
            detail = f"{sent.key!r} was already matched to an earlier debit"
            unmatched.append(Unmatched(line, Reason.ALREADY_MATCHED, detail))
        else:
            matched.add(sent.key)
            matches.append(DebitMatch(sent.key, line))
    return DebitMatching(tuple(matches), tuple(unmatched))


# -- announced transfers ----------------------------------------------------------------------

_UUID = re.compile(r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}", re.IGNORECASE)


def uuids_in(text: str) -> list[str]:
    """The uuids quoted in a remittance text, lower case, in order."""
    return [found.lower() for found in _UUID.findall(text)]


@dataclass(frozen=True)
class ExpectedTransfer:
    """A credit transfer a peer announced or owes: ``key`` is the uuid its remittance
    information quotes, ``end_to_end_id`` the payer's id once it is known."""

    key: str
    end_to_end_id: str | None
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        _check_amount(self.amount, "amount")


@dataclass(frozen=True)
class TransferMatch:
    key: str
    line: BankLine


@dataclass(frozen=True)
class TransferMatching:
    matches: tuple[TransferMatch, ...]
    unmatched: tuple[Unmatched, ...]
    rest: tuple[BankLine, ...]  # credits naming no expected transfer, for the invoices


def _named(
    line: BankLine, by_id: dict[str, ExpectedTransfer], by_key: dict[str, ExpectedTransfer]
) -> ExpectedTransfer | None:
    if line.end_to_end_id is not None and (found := by_id.get(line.end_to_end_id)) is not None:
        return found
    return next((by_key[key] for key in uuids_in(line.remittance_text) if key in by_key), None)


def match_transfers(
    expected: Iterable[ExpectedTransfer], lines: Iterable[BankLine]
) -> TransferMatching:
    """Match booked credit lines to ``expected`` transfers; the amount must be exact.

    A reversal, an entry not booked yet or a line that names no expected transfer is left in
    ``rest``; a second line naming an already matched transfer is unmatched.
    """
    wanted = list(expected)
    by_id = {e.end_to_end_id: e for e in wanted if e.end_to_end_id}
    by_key = {e.key.lower(): e for e in wanted}
    matched: set[str] = set()
    matches: list[TransferMatch] = []
    unmatched: list[Unmatched] = []
    rest: list[BankLine] = []
    for line in lines:
        if line.direction is not Direction.CREDIT:
            continue
        named = None if _refused(line) is not None else _named(line, by_id, by_key)
        if named is None:
            rest.append(line)
        elif (named.amount, named.currency) != (line.amount, line.currency):
            detail = (
                f"{named.key} is due for {named.amount} {named.currency}, "
                f"the bank credited {line.amount} {line.currency}"
            )
            reason = Reason.CURRENCY_MISMATCH if named.currency != line.currency else None
            unmatched.append(Unmatched(line, reason or Reason.AMOUNT_MISMATCH, detail))
        elif named.key in matched:
            detail = f"{named.key} was already matched to an earlier credit"
            unmatched.append(Unmatched(line, Reason.ALREADY_MATCHED, detail))
        else:
            matched.add(named.key)
            matches.append(TransferMatch(named.key, line))
    return TransferMatching(tuple(matches), tuple(unmatched), tuple(rest))
