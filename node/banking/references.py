"""Structured payment references: Belgian structured communication and ISO 11649 RF.

Why structured references: the only reliable link between a credit on a bank statement and the
invoice it pays is a reference printed on the invoice and copied by the client into the transfer.
Both kinds carry a mod-97 checksum, so a mistyped reference is refused (most banking apps refuse a
bad one before the transfer, we refuse it at import) and is never matched to someone else's invoice.

* **Belgian structured communication** (OGM/VCS, Febelfin): ten digits and two check digits, the
  ten-digit number modulo 97 (97 when the remainder is 0), printed ``+++123/4567/89002+++``.
  Checksum and formatting come from :mod:`stdnum.be.ogm_vcs`.
* **ISO 11649 RF creditor reference**: ``RF``, two check digits (ISO 7064 mod 97-10, as in IBAN) and
  1–21 letters or digits, printed in blocks of four: ``RF18 5390 0754 7034``.
  Validation comes from :mod:`stdnum.iso11649`.

Banks do not copy references faithfully into statements: the same OGM shows up as
``+++123/4567/89002+++``, ``***123/4567/89002***``, ``123/4567/89002``, ``123456789002`` or inside
a sentence. :func:`parse_reference` finds a valid one in such text; :func:`validate_reference` is the
strict form for a field that must hold exactly one reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from stdnum import iso11649
from stdnum.be import ogm_vcs
from stdnum.iso7064 import mod_97_10

from node.banking.errors import InvalidReference

Kind = Literal["be_ogm", "rf"]

OGM_MAX_NUMBER = 10**10 - 1
"""The largest base number of a Belgian structured communication (ten digits)."""

_RF_PAYLOAD = re.compile(r"[0-9A-Z]{1,21}")
_RF_COMPACT = re.compile(r"RF[0-9]{2}[0-9A-Z]{1,21}")
_OGM_DIGITS = re.compile(r"[0-9]{12}")

# Search patterns for free text, most trustworthy first; see find_references. Whitespace runs are
# bounded so that a hostile statement cannot make the search backtrack for ever.
_OGM_PATTERNS = (
    # +++123/4567/89002+++ or ***123/4567/89002*** (slashes and spaces optional)
    re.compile(
        r"[+*]{3}\s{0,3}(\d{3})\s{0,3}/?\s{0,3}(\d{4})\s{0,3}/?\s{0,3}(\d{5})\s{0,3}[+*]{3}",
        re.ASCII,
    ),
    # 123/4567/89002
    re.compile(r"(?<![\d/])(\d{3})\s{0,3}/\s{0,3}(\d{4})\s{0,3}/\s{0,3}(\d{5})(?![\d/])", re.ASCII),
    # 123 4567 89002
    re.compile(r"(?<![\w/])(\d{3}) (\d{4}) (\d{5})(?![\w/])", re.ASCII),
    # 123456789002 standing alone (not part of an IBAN or a longer number)
    re.compile(r"(?<![\w/])(\d{12})(?![\w/])", re.ASCII),
)
_RF_PATTERN = re.compile(
    r"(?<![0-9A-Za-z])(RF\d\d(?:[0-9A-Z]{1,21}|(?: [0-9A-Z]{1,4}){1,6}))(?![0-9A-Za-z])",
    re.IGNORECASE | re.ASCII,
)


@dataclass(frozen=True)
class StructuredReference:
    """A valid structured reference; constructing one with a bad checksum raises.

    ``compact`` is the form to store and compare: twelve digits for ``be_ogm``, upper-case
    ``RF…`` without spaces for ``rf``.
    """

    kind: Kind
    compact: str

    def __post_init__(self) -> None:
        if self.kind == "be_ogm":
            if not _OGM_DIGITS.fullmatch(self.compact) or not ogm_vcs.is_valid(self.compact):
                raise InvalidReference(
                    f"not a valid Belgian structured reference: {self.compact!r}"
                )
        elif self.kind == "rf":
            if not _is_valid_rf(self.compact):
                raise InvalidReference(f"not a valid RF creditor reference: {self.compact!r}")
        else:
            raise InvalidReference(f"unknown reference kind {self.kind!r}")

    @property
    def formatted(self) -> str:
        """The form printed on invoices: ``+++123/4567/89002+++`` or ``RF18 5390 0754 7034``."""
        if self.kind == "be_ogm":
            return f"+++{ogm_vcs.format(self.compact)}+++"
        return str(iso11649.format(self.compact))

    @property
    def issuer(self) -> str:
        """The ``CdtrRefInf/Tp/Issr`` that goes with the reference in ISO 20022 messages.

        ``BBA`` (Belgian Bankers' Association) marks the Belgian structured communication, as the
        Febelfin guidelines require; ``ISO`` marks an ISO 11649 reference.
        """
        return "BBA" if self.kind == "be_ogm" else "ISO"

    def __str__(self) -> str:
        return self.formatted


def be_structured_reference(number: int) -> str:
    """The Belgian structured communication for ``number`` (0 to 9 999 999 999), formatted.

    The check digits are ``number % 97``, or 97 when that is 0:
    ``be_structured_reference(1234567890)`` is ``'+++123/4567/89002+++'``.
    """
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"the base number must be an int, not {type(number).__name__}")
    if not 0 <= number <= OGM_MAX_NUMBER:
        raise InvalidReference(f"the base number must have at most ten digits, got {number}")
    base = f"{number:010d}"
    return StructuredReference("be_ogm", base + ogm_vcs.calc_check_digits(base)).formatted


def rf_reference(payload: str) -> str:
    """The ISO 11649 creditor reference for ``payload`` (1–21 letters or digits), formatted.

    Spaces are ignored and letters upper-cased: ``rf_reference('539007547034')`` is
    ``'RF18 5390 0754 7034'``.
    """
    if not isinstance(payload, str):
        raise TypeError(f"the payload must be a str, not {type(payload).__name__}")
    compact = payload.replace(" ", "").upper()
    if not _RF_PAYLOAD.fullmatch(compact):
        raise InvalidReference(f"an RF payload is 1 to 21 letters A-Z or digits, got {payload!r}")
    check = mod_97_10.calc_check_digits(compact + "RF")
    return StructuredReference("rf", f"RF{check}{compact}").formatted


def validate_reference(text: str) -> StructuredReference:
    """The reference that ``text`` holds, and nothing else, or :class:`InvalidReference`.

    For fields meant to carry one reference (``CdtrRefInf/Ref``, an API input): decorations
    (``+++``, ``***``, slashes, spaces) are accepted; surrounding words are not.
    """
    stripped = text.strip()
    if stripped[:2].upper() == "RF":
        compact = iso11649.compact(stripped)
        if not _RF_COMPACT.fullmatch(compact):
            raise InvalidReference(f"malformed RF reference: {text!r}")
        if not iso11649.is_valid(compact):
            raise InvalidReference(f"RF reference with a wrong checksum: {text!r}")
        return StructuredReference("rf", compact)
    digits = re.sub(r"[\s/]", "", stripped.strip("+*").strip())
    if not _OGM_DIGITS.fullmatch(digits):
        raise InvalidReference(f"not a structured reference: {text!r}")
    if not ogm_vcs.is_valid(digits):
        raise InvalidReference(f"Belgian structured reference with a wrong checksum: {text!r}")
    return StructuredReference("be_ogm", digits)


def find_references(text: str) -> list[StructuredReference]:
    """Every valid reference in free text, without duplicates, most trustworthy first.

    Order: OGMs between ``+++``/``***``, RF references, OGMs with slashes, OGMs grouped
    3-4-5 with spaces, then twelve-digit numbers standing alone. Candidates with a wrong
    checksum are skipped: in free text they are more likely an account or phone number than a
    mistyped reference.
    """
    found: list[StructuredReference] = []

    def add(ref: StructuredReference | None) -> None:
        if ref is not None and ref not in found:
            found.append(ref)

    delimited, *looser = _OGM_PATTERNS
    for match in delimited.finditer(text):
        add(_ogm("".join(match.groups())))
    for match in _RF_PATTERN.finditer(text):
        add(_rf_candidate(match.group(1)))
    for pattern in looser:
        for match in pattern.finditer(text):
            add(_ogm("".join(match.groups())))
    return found


def parse_reference(text: str) -> StructuredReference | None:
    """The most trustworthy valid reference in ``text`` (see :func:`find_references`), or None."""
    found = find_references(text)
    return found[0] if found else None


def _ogm(digits: str) -> StructuredReference | None:
    return StructuredReference("be_ogm", digits) if ogm_vcs.is_valid(digits) else None


def _rf_candidate(candidate: str) -> StructuredReference | None:
    """The longest valid reference that the blocks of ``candidate`` form, if any.

    In text, ``RF18 5390 0754 7034 paid`` matches one block too many; dropping trailing blocks
    until the checksum holds recovers the reference.
    """
    blocks = candidate.upper().split(" ")
    for end in range(len(blocks), 0, -1):
        compact = "".join(blocks[:end])
        if _is_valid_rf(compact):
            return StructuredReference("rf", compact)
    return None


def _is_valid_rf(compact: str) -> bool:
    return bool(_RF_COMPACT.fullmatch(compact)) and iso11649.is_valid(compact)
