"""What a bank statement says, as plain frozen values (the output of :mod:`node.banking.camt`).

Kept apart from the parser so that the database side and the matching helpers depend on these
shapes, not on XML. Amounts are :class:`~decimal.Decimal`, never negative, quantized to the
currency's minor unit; the direction says which way the money went, exactly as ISO 20022 reports
it (``CdtDbtInd``). Sequences are tuples so that a parsed statement cannot change after the checks
that :func:`~node.banking.camt.parse_camt053` ran on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from node.banking.references import StructuredReference


class Direction(StrEnum):
    """``CdtDbtInd``: money into (credit) or out of (debit) the co-operative's account."""

    CREDIT = "CRDT"
    DEBIT = "DBIT"


class EntryStatus(StrEnum):
    """``Ntry/Sts``. Only booked entries have moved money; the others may still change or vanish."""

    BOOKED = "BOOK"
    PENDING = "PDNG"
    INFORMATION = "INFO"
    FUTURE = "FUTR"


def signed(amount: Decimal, direction: Direction) -> Decimal:
    """``amount`` with a sign: positive for a credit, negative for a debit."""
    return amount if direction is Direction.CREDIT else -amount


@dataclass(frozen=True)
class Balance:
    """One ``Bal`` of a statement; ``type`` is its ISO code (``OPBD``, ``CLBD``, ``PRCD`` …)."""

    type: str
    amount: Decimal
    currency: str
    direction: Direction
    date: date

    @property
    def signed_amount(self) -> Decimal:
        return signed(self.amount, self.direction)


@dataclass(frozen=True)
class TransactionDetail:
    """One ``TxDtls``: a single payment inside an entry (a batch entry has several).

    ``counterparty_*`` is the other side: the debtor of a credit, the creditor of a debit.
    ``reference`` is the valid structured reference found in ``RmtInf/Strd/CdtrRefInf/Ref`` or,
    failing that, in the unstructured text; ``raw_reference`` keeps ``CdtrRefInf/Ref`` as the bank
    wrote it, valid or not, so that staff can see a mistyped reference in the unmatched queue.
    ``original_amount``/``original_currency`` is the instructed amount when the payer paid in
    another currency (``AmtDtls/InstdAmt``); ``amount`` is always in the account's currency.
    """

    amount: Decimal
    currency: str
    direction: Direction
    end_to_end_id: str | None = None
    account_servicer_ref: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    reference: StructuredReference | None = None
    raw_reference: str | None = None
    remittance_text: str = ""
    original_amount: Decimal | None = None
    original_currency: str | None = None


@dataclass(frozen=True)
class Entry:
    """One ``Ntry``: a movement on the account as the bank booked it.

    ``index`` is the 1-based position in the statement and, with ``account_servicer_ref`` (the
    bank's own ``AcctSvcrRef``), how errors and the unmatched queue point at it. ``reversal`` is
    ``RvslInd``: the entry undoes an earlier one of the opposite direction (a returned transfer).
    """

    index: int
    account_servicer_ref: str | None
    amount: Decimal
    currency: str
    direction: Direction
    status: EntryStatus
    booking_date: date | None
    value_date: date | None
    reversal: bool = False
    additional_info: str = ""
    transactions: tuple[TransactionDetail, ...] = ()

    @property
    def signed_amount(self) -> Decimal:
        return signed(self.amount, self.direction)


@dataclass(frozen=True)
class Statement:
    """One ``Stmt`` of a CAMT.053 message for one account.

    ``message_id`` (``GrpHdr/MsgId``) and ``id`` (``Stmt/Id``) identify the file and the statement
    for idempotent import: the same statement imported twice must not book twice.
    """

    message_id: str
    id: str
    iban: str
    currency: str
    opening_balance: Balance | None
    closing_balance: Balance | None
    entries: tuple[Entry, ...]
