"""Export payouts as an ISO 20022 pain.001 credit transfer file: SEPA in EUR, domestic otherwise.

Why a file: banks take payment batches as pain.001 uploads (or through EBICS), and the members'
payouts must go out as one batch the treasurer signs in the bank's portal. Each payment carries an
end-to-end id that the bank reports back in the CAMT.053 debit, which is how
:func:`node.banking.matching.match_debits` finds out that a payout really left.

The document is laid out by :mod:`sepaxml` (its ``SepaTransfer`` knows the differences between
``pain.001.001.03``, the version every SEPA bank accepts, and ``pain.001.001.09``). This module adds
what sepaxml does not do, then validates the result against the XSD that sepaxml ships:

* **exact money**: sepaxml takes integer hundredths; amounts are converted from :class:`Decimal`
  with ``scaleb`` (never through float) after checking they are positive and no finer than the
  currency's minor unit (at most two decimals);
* **deterministic output**: the message id and creation time come from the batch (sepaxml would use
  a random id and the local clock), so exporting the same batch twice gives the same file and the
  bank's duplicate check on ``MsgId`` protects against paying twice;
* **structured references** (``RmtInf/Strd/CdtrRefInf``), which sepaxml cannot write;
* **input checks**: one currency per batch, IBANs of the SEPA zone (schwifty), BICs,
  unique end-to-end ids of at most 35 characters of the SEPA character set, names transliterated
  to that set and trimmed to 70 characters.

**One batch, one currency.** A batch in EUR is a SEPA credit transfer (``PmtTpInf/SvcLvl/Cd`` is
``SEPA``, charges ``SLEV``): SEPA is a euro scheme. A batch in any other ISO 4217 currency (a
Swedish node pays in SEK, a Hungarian one in HUF) is a plain ISO 20022 credit transfer of the same
message version, written by sepaxml's ``domestic`` mode: no ``PmtTpInf`` (so no SEPA service
level) and charges ``SHAR`` (each side pays its own bank; ``SLEV`` defers to a scheme's rules).
The pain.001.001.03 and .09 XSDs take any ISO 4217 code in ``InstdAmt/@Ccy``. Guides of banks
that take such files for domestic transfers:

* Sweden (SEK): "Swedish Common Interpretation of ISO 20022 Payment Messages, Appendix 1: Common
  Payment Types in Sweden" v1.0, 2014-02-10, section "Direct Credits (Credit Transfers)"
  (copy: https://pdfslide.net/documents/swedish-common-interpretation-of-iso-20022-payment-swedish-common-interpretation.html);
  Swedbank, "Swedbank Sweden's MIG Credit Transfer and Payment Status (pain.001, pain.002)"
  (copy: http://financedocbox.com/Credit_and_Debt_and_Loans/69699348-Swedbank-sweden-s-mig-credit-transfer-and-payment-status-pain-001-pain-002-swedbank-ab-publ-28.html);
* Hungary (HUF): GIRO Zrt., "XML message for HCT C2B initiation (Implementation Guidelines)"
  v1.2, January 2013, a restriction of pain.001.001.03
  (copy: https://paperzz.com/doc/8399639/xml-message-for-hct-c2b-initiation--implementation).

Amounts are written as sepaxml writes them, in hundredths (``1000.00``): a currency may have at
most two decimals here, and not more than its CLDR minor unit (babel: 2 for SEK, 0 for HUF, so a
HUF amount is whole forints written ``1000.00``; ISO 4217 itself lists HUF with two decimals).
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
from babel.numbers import is_currency
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer
from text_unidecode import unidecode

from node.banking.errors import SepaError
from node.banking.references import StructuredReference
from node.money import MAX_AMOUNT, minor_exponent

PAIN_VERSIONS = ("pain.001.001.03", "pain.001.001.09")
SEPA_CURRENCY = "EUR"

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
    ``currency`` is every payment's: EUR makes a SEPA file, any other a domestic one.
    """

    message_id: str
    created_at: datetime
    debtor_name: str
    debtor_iban: str
    requested_execution_date: date
    payments: Sequence[CreditTransfer] = field(default=())
    debtor_bic: str | None = None
    batch_booking: bool = True
    currency: str = SEPA_CURRENCY

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
        "currency": _currency(batch.currency),
        "batch": True,  # one PmtInf; BtchBookg is set from the batch below
    }
    if batch.currency != SEPA_CURRENCY:
        config["domestic"] = True  # no PmtTpInf/SvcLvl: not a SEPA payment
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
    if payment.currency != batch.currency:
        raise SepaError(
            f"{where}.currency", f"the batch is in {batch.currency}, not {payment.currency}"
        )
    _amount(payment.amount, batch.currency, f"{where}.amount")
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
        "amount": int(payment.amount.scaleb(2)),  # exact: checked to have at most two decimals
        "execution_date": batch.requested_execution_date,
        "description": description,
        "endtoend_id": payment.end_to_end_id,
    }
    if payment.creditor_bic:
        fields["BIC"] = _bic(payment.creditor_bic, f"{where}.creditor_bic")
    return fields


def _amount(amount: Decimal, currency: str, where: str) -> None:
    """Positive, within :data:`MAX_AMOUNT`, and no finer than the currency's minor unit."""
    if not amount.is_finite() or amount <= 0:
        raise SepaError(where, f"must be positive, got {amount}")
    places = min(2, minor_exponent(currency))
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        if places == 0:
            raise SepaError(where, f"{amount} is not a whole number of {currency}")
        raise SepaError(where, f"{amount} has more than {('', 'one', 'two')[places]} decimals")
    if amount > MAX_AMOUNT:
        scheme = "SEPA " if currency == SEPA_CURRENCY else ""
        raise SepaError(where, f"{amount} exceeds the {scheme}maximum {MAX_AMOUNT}")


def _currency(code: str) -> str:
    """An ISO 4217 code whose amounts sepaxml can write (it writes hundredths)."""
    if not isinstance(code, str) or len(code) != 3 or not is_currency(code):
        raise SepaError("currency", f"{code!r} is not an ISO 4217 currency code")
    if minor_exponent(code) > 2:
        raise SepaError("currency", f"{code} has more than two decimals; pain.001 export cannot")
    return code


def _finish(root: ET.Element, batch: PaymentBatch) -> None:
    """Set what sepaxml leaves random or cannot express: ids, timestamp, booking, references."""
    created = batch.created_at.isoformat(timespec="seconds")
    _set(root, "CstmrCdtTrfInitn/GrpHdr/MsgId", batch.message_id)
    _set(root, "CstmrCdtTrfInitn/GrpHdr/CreDtTm", created)
    _set(root, "CstmrCdtTrfInitn/PmtInf/PmtInfId", batch.message_id)
    _set(root, "CstmrCdtTrfInitn/PmtInf/BtchBookg", str(batch.batch_booking).lower())
    if batch.currency != SEPA_CURRENCY:
        _set(root, "CstmrCdtTrfInitn/PmtInf/ChrgBr", "SHAR")  # SLEV names a scheme's rules
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
