"""Checking and protecting members' identifiers: national ids and IBANs.

National ids are checked by the home country's jurisdiction plugin (which knows the country's
number and wraps python-stdnum); IBANs by schwifty. Both are stored encrypted (:class:`Vault`).
National ids also get a *keyed* hash (HMAC-SHA256 under ``security.secret_key``) of
``country:compact`` so the database can refuse a duplicate and staff can find a member by number
without decrypting every row. The hash is keyed because an 11-digit number with a birth date in it
is reversed by brute force in seconds when hashed plainly. Rotating ``security.secret_key``
therefore means recomputing these hashes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from node.config import Settings
from node.crypto import Cipher, mask
from node.errors import FieldError

if TYPE_CHECKING:
    from plugins.jurisdiction import Jurisdiction

Jurisdictions = Mapping[str, "Jurisdiction"]
DOT = "•"


@dataclass(frozen=True)
class Vault:
    """Encrypts, decrypts and hashes personal identifiers with the node's keys."""

    cipher: Cipher
    hash_key: bytes

    @classmethod
    def from_settings(cls, settings: Settings, cipher: Cipher | None = None) -> Vault:
        return cls(
            cipher or Cipher.from_settings(settings),
            settings["security.secret_key"].encode(),
        )

    def seal(self, value: str | None) -> str | None:
        return None if value is None else self.cipher.encrypt(value)

    def open(self, token: str | None) -> str | None:
        return None if token is None else self.cipher.decrypt(token)

    def national_id_hash(self, country: str, compact: str) -> str:
        message = f"{country}:{compact}".encode()
        return hmac.new(self.hash_key, message, hashlib.sha256).hexdigest()


class IdentifierError(ValueError):
    """An identifier was refused; carries the field error to report."""

    def __init__(self, error: FieldError) -> None:
        super().__init__(error.message)
        self.error = error


def national_id_expected(jurisdictions: Jurisdictions, country: str) -> bool:
    """Whether members living in ``country`` must give a national id: only where the country's
    plugin can check one (an unchecked number would be stored garbage)."""
    jurisdiction = jurisdictions.get(country)
    return jurisdiction is not None and "national_id" in jurisdiction.identifier_schemes()


def check_national_id(
    jurisdictions: Jurisdictions, country: str, value: str, field: str = "national_id"
) -> str:
    """The compact national id, validated by ``country``'s jurisdiction (else IdentifierError)."""
    from plugins.jurisdiction import InvalidIdentifier

    jurisdiction = jurisdictions.get(country)
    if jurisdiction is None:
        raise IdentifierError(
            FieldError(
                field,
                f"National ids of {country} cannot be validated: "
                f"no plugin for {country} is installed.",
                "unsupported_country",
            )
        )
    try:
        return jurisdiction.validate_national_id(value)
    except InvalidIdentifier as exc:
        raise IdentifierError(FieldError(field, exc.reason, exc.code)) from None


def check_iban(value: str, field: str = "iban") -> str:
    """The compact IBAN (``BE68539007547034``), validated by schwifty (else IdentifierError)."""
    try:
        return str(IBAN(value).compact)
    except SchwiftyException as exc:
        error = FieldError(field, f"Not a valid IBAN: {exc}.", "invalid_iban")
        raise IdentifierError(error) from None


def mask_iban(compact: str) -> str:
    """``BE•• •••• •••• 7034``: the country stays readable, the last four digits identify it."""
    hidden = compact[:2] + DOT * (len(compact) - 6) + compact[-4:]
    return " ".join(hidden[i : i + 4] for i in range(0, len(hidden), 4))


def mask_national_id(compact: str) -> str:
    return mask(compact)
