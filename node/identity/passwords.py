"""Password hashing with argon2id (memory-hard, RFC 9106), via argon2-cffi.

Hashes carry their own parameters, so raising them later is a code change only: a login whose hash
was made with older parameters is re-hashed on the spot (:func:`needs_rehash`). Unknown e-mail
addresses still cost one verification (:func:`burn`), so response times do not reveal which
addresses have accounts.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from node.errors import ValidationProblem
from node.i18n import N_

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; this only bounds the work an attacker can ask for

# RFC 9106 "second recommended option": t=3, 64 MiB, 4 lanes (argon2-cffi's defaults).
DEFAULT_PARAMETERS = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
_hasher = PasswordHasher(
    time_cost=DEFAULT_PARAMETERS["time_cost"],
    memory_cost=DEFAULT_PARAMETERS["memory_cost"],
    parallelism=DEFAULT_PARAMETERS["parallelism"],
    type=Type.ID,
)


def use_parameters(*, time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Change the parameters new hashes get (existing hashes are upgraded at their next login).

    Tests use this to make hashing cheap; production keeps the defaults above.
    """
    global _hasher
    _hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
    )
    _dummy_hash.cache_clear()


def check_policy(password: str, field: str = "password") -> None:
    """Refuse passwords too short to resist guessing (length is what matters, NIST SP 800-63B)."""
    if len(password) < MIN_LENGTH:
        raise ValidationProblem.single(
            field, N_("Use at least {count} characters.").format(count=MIN_LENGTH), "too_short"
        )
    if len(password) > MAX_LENGTH:
        raise ValidationProblem.single(
            field, N_("Use at most {count} characters.").format(count=MAX_LENGTH), "too_long"
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches; a malformed stored hash counts as a mismatch."""
    if len(password) > MAX_LENGTH:
        burn()
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def burn() -> None:
    """Spend the time of one verification, for a login whose e-mail address is unknown."""
    verify_password(_dummy_hash(), "not the password")


def generate_password() -> str:
    """A random password for a new account (about 190 bits, URL-safe)."""
    return secrets.token_urlsafe(24)
