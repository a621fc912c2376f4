"""Encryption of personal data at rest (national ids, IBANs, TOTP secrets).

Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) under the node's
``security.encryption_key``. The key is as precious as the database: a backup holds both.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from node.config import Settings
from node.errors import ConfigError


class Cipher:
    """Encrypts and decrypts short text values with the node's key."""

    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError):
            raise ConfigError(
                "security.encryption_key", "must be a Fernet key (run `coopnode init` to make one)"
            ) from None

    @classmethod
    def from_settings(cls, settings: Settings) -> Cipher:
        return cls(settings["security.encryption_key"])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("cannot decrypt: wrong encryption key or damaged value") from None


def mask(value: str, visible: int = 4) -> str:
    """Show only the last ``visible`` characters (``•••• 4321``), for lists and logs."""
    if len(value) <= visible:
        return "•" * len(value)
    return "•" * (len(value) - visible) + value[-visible:]
