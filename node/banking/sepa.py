"""Export payouts as an ISO 20022 pain.001 SEPA credit transfer file.

Why a file: banks take payment batches as pain.001 uploads (or through EBICS), and the members'
payouts must go out as one batch the treasurer signs in the bank's portal. Each payment carries an
end-to-end id that the bank reports back in the CAMT.053 debit, which is how
:func:`node.banking.matching.match_debits` finds out that a payout really left.

The document is laid out by :mod:`sepaxml` (its ``SepaTransfer`` knows the differences between
``pain.001.001.03``, the version every SEPA bank accepts, and ``pain.001.001.09``). This module adds
what sepaxml does not do, then validates the result against the XSD that sepaxml ships:

* **exact money**: sepaxml takes integer cents; amounts are converted from :class:`Decimal` with
  ``scaleb`` (never through float) after checking they are positive with at most two decimals;
* **deterministic output**: the message id and creation time come from the batch (sepaxml would use
  a random id and the local clock), so exporting the same batch twice gives the same file and the
  bank's duplicate check on ``MsgId`` protects against paying twice;
* **structured references** (``RmtInf/Strd/CdtrRefInf``), which sepaxml cannot write;
* **input checks**: EUR only (SEPA is a euro scheme), IBANs of the SEPA zone (schwifty), BICs,
  unique end-to-end ids of at most 35 characters of the SEPA character set, names transliterated
  to that set and trimmed to 70 characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib.resources import files
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
import xmlschema
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer
from text_unidecode import unidecode

from node.banking.errors import SepaError
from node.banking.references import StructuredReference
from node.money import MAX_AMOUNT

PAIN_VERSIONS = ("pain.001.001.03", "pain.001.001.09")

_SEPA_DISALLOWED = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_SEPA_ID = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]{1,35}")


@dataclass(frozen=True)
class CreditTransfer:
    """One payment: ``amount`` (a Decimal, in ``currency``) to ``creditor_iban``.

    Give either ``remittance_text`` (at most 140 characters) or a structured ``reference``.
    """

    end_to_end_id: str
    creditor_name: str
    creditor_iban: str
    amount: Decimal
    currency: str = "EUR"
    creditor_bic: str | None = None
    remittance_text: str | None = None
    reference: StructuredReference | None = None

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise TypeError("amount must be a Decimal, not a float (floats cannot hold cents)")
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"amount must be a Decimal, not {type(self.amount).__name__}")


@dataclass(frozen=True)
class PaymentBatch:
    """A pain.001 message: payments from the co-operative's account on one execution date.

    ``message_id`` (at most 35 characters) must be unique per batch and stable: banks refuse a
    second file with the same ``MsgId``. ``created_at`` must be timezone-aware.
    ``batch_booking`` asks the bank for one debit for the whole batch (``BtchBookg``).
    """

    message_id: str
    created_at: datetime
    debtor_name: str
    debtor_iban: str
    requested_execution_date: date
    payments: Sequence[CreditTransfer] = field(default=())
    debtor_bic: str | None = None
    batch_booking: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "payments", tuple(self.payments))  # immutable, hashable


def sepa_text(text: str, limit: int) -> str:
    """``text`` in the SEPA (EPC basic Latin) character set, at most ``limit`` characters.

    Accents are transliterated (``Müller`` → ``Muller``), ``&`` becomes ``+``, anything else
    outside the set becomes a space; runs of spaces collapse.
    """
    ascii_text = unidecode(text).replace("&", "+")
    return " ".join(_SEPA_DISALLOWED.sub(" ", ascii_text).split())[:limit].rstrip()


def build_pain001(batch: PaymentBatch, version: str = "pain.001.001.03") -> bytes:
    """The pain.001 document for ``batch``, UTF-8, validated against the version's XSD.

    Raises :class:`SepaError` naming the field at fault (e.g. ``payments[1].creditor_iban``).
    """
    if version not in PAIN_VERSIONS:
        raise SepaError("version", f"unsupported {version!r}; supported: {PAIN_VERSIONS}")
    debtor = _name(batch.debtor_name, "debtor_name")
    config: dict[str, object] = {
        "name": debtor,
        "IBAN": _iban(batch.debtor_iban, "debtor_iban"),
        "currency": "EUR",
        "batch": True,  # one PmtInf; BtchBookg is set from the batch below
    }
    if batch.debtor_bic:
        config["BIC"] = _bic(batch.debtor_bic, "debtor_bic")
    _check_header(batch)
    transfer = SepaTransfer(config, schema=version, clean=False)
    for index, payment in enumerate(batch.payments):
        transfer.add_payment(_payment(payment, f"payments[{index}]", batch))
    root = _local_names(SafeET.fromstring(transfer.export(validate=False)))
    root.set("xmlns", f"urn:iso:std:iso:20022:tech:xsd:{version}")
    _finish(root, batch)
    # sepaxml's declaration style (double quotes), which some bank portals insist on
    document = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
    errors = list(_schema(version).iter_errors(document.decode("utf-8")))
    if errors:
        reason = errors[0].reason or str(errors[0])
        raise SepaError("batch", f"the generated file does not match {version}: {reason}")
    return document


def _check_header(batch: PaymentBatch) -> None:
    _identifier(batch.message_id, "message_id")
    if batch.created_at.tzinfo is None:
        raise SepaError("created_at", "must be timezone-aware")
    day = batch.requested_execution_date
    if isinstance(day, datetime) or not isinstance(day, date):
        raise SepaError("requested_execution_date", "must be a date (not a datetime)")
    if day < batch.created_at.date():
        raise SepaError("requested_execution_date", f"{day} is before the batch was created")
    if not batch.payments:
        raise SepaError("payments", "a batch needs at least one payment")
    seen: set[str] = set()
    for index, payment in enumerate(batch.payments):
        if payment.end_to_end_id in seen:
            raise SepaError(
                f"payments[{index}].end_to_end_id", f"{payment.end_to_end_id!r} is used twice"
            )
        seen.add(payment.end_to_end_id)


def _payment(payment: CreditTransfer, where: str, batch: PaymentBatch) -> dict[str, object]:
    _identifier(payment.end_to_end_id, f"{where}.end_to_end_id")
    if payment.currency != "EUR":
        raise SepaError(
            f"{where}.currency", f"SEPA credit transfers are in EUR, not {payment.currency}"
        )
    amount = payment.amount
    if not amount.is_finite() or amount <= 0:
        raise SepaError(f"{where}.amount", f"must be positive, got {amount}")
    if amount != amount.quantize(Decimal("0.01")):
        raise SepaError(f"{where}.amount", f"{amount} has more than two decimals")
    if amount > MAX_AMOUNT:
        raise SepaError(f"{where}.amount", f"{amount} exceeds the SEPA maximum {MAX_AMOUNT}")
    if (payment.reference is None) == (payment.remittance_text is None):
        raise SepaError(f"{where}.remittance_text", "give either a text or a structured reference")
    if payment.reference is not None:
        description = payment.reference.formatted  # replaced by RmtInf/Strd in _finish
    else:
        description = sepa_text(payment.remittance_text or "", 141)
        if not description or len(description) > 140:
            raise SepaError(f"{where}.remittance_text", "must have 1 to 140 SEPA characters")
    fields: dict[str, object] = {
        "name": _name(payment.creditor_name, f"{where}.creditor_name"),
        "IBAN": _iban(payment.creditor_iban, f"{where}.creditor_iban"),
        "amount": int(amount.scaleb(2)),  # exact: amount has at most two decimals
        "execution_date": batch.requested_execution_date,
        "description": description,
        "endtoend_id": payment.end_to_end_id,
    }
    if payment.creditor_bic:
        fields["BIC"] = _bic(payment.creditor_bic, f"{where}.creditor_bic")
    return fields


def _finish(root: ET.Element, batch: PaymentBatch) -> None:
    """Set what sepaxml leaves random or cannot express: ids, timestamp, booking, references."""
    created = batch.created_at.isoformat(timespec="seconds")
    _set(root, "CstmrCdtTrfInitn/GrpHdr/MsgId", batch.message_id)
    _set(root, "CstmrCdtTrfInitn/GrpHdr/CreDtTm", created)
    _set(root, "CstmrCdtTrfInitn/PmtInf/PmtInfId", batch.message_id)
    _set(root, "CstmrCdtTrfInitn/PmtInf/BtchBookg", str(batch.batch_booking).lower())
    references = {p.end_to_end_id: p.reference for p in batch.payments if p.reference}
    for tx in root.iterfind("CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf"):
        reference = references.get(tx.findtext("PmtId/EndToEndId", ""))
        remittance = tx.find("RmtInf")
        if reference is None or remittance is None:
            continue
        remittance.clear()
        ref_info = _sub(_sub(remittance, "Strd"), "CdtrRefInf")
        kind = _sub(ref_info, "Tp")
        _sub(_sub(kind, "CdOrPrtry"), "Cd", "SCOR")
        _sub(kind, "Issr", reference.issuer)
        _sub(ref_info, "Ref", reference.compact)


def _sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, name)
    child.text = text
    return child


def _local_names(root: ET.Element) -> ET.Element:
    """Drop the namespace from every tag, as sepaxml builds them (``xmlns`` set on the root):
    ElementTree cannot write a default namespace on a tree with unqualified attributes."""
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    return root


def _set(root: ET.Element, path: str, value: str) -> None:
    for element in root.iterfind(path):
        element.text = value


def _identifier(value: str, where: str) -> None:
    """Ids are checked, never altered: the bank reports them back and we match on them."""
    if not isinstance(value, str) or not _SEPA_ID.fullmatch(value) or value != value.strip():
        raise SepaError(where, f"{value!r} is not 1 to 35 SEPA characters without outer spaces")
    if value.startswith("/") or value.endswith("/") or "//" in value:
        raise SepaError(where, f"{value!r} must not start or end with '/' or contain '//'")


def _name(value: str, where: str) -> str:
    name = sepa_text(value, 70)
    if not name:
        raise SepaError(where, f"{value!r} has no character usable in SEPA")
    return name


def _iban(value: str, where: str) -> str:
    try:
        iban = IBAN(value)
    except SchwiftyException as exc:
        raise SepaError(where, f"{value!r} is not a valid IBAN: {exc}") from None
    if not iban.in_sepa_zone:
        raise SepaError(where, f"{iban.country_code} is outside the SEPA zone")
    return str(iban.compact)


def _bic(value: str, where: str) -> str:
    try:
        return str(BIC(value).compact)
    except SchwiftyException as exc:
        raise SepaError(where, f"{value!r} is not a valid BIC: {exc}") from None


@cache
def _schema(version: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(files("sepaxml") / "schemas" / f"{version}.xsd"))
