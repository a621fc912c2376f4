"""Time-based one-time passwords (RFC 6238) as the second factor of staff and admins, via pyotp.

The secret is generated when the account is created and shown once (as an ``otpauth://`` URI for
authenticator apps, and as text). It is stored encrypted with the node's cipher because checking
a code needs it in clear. A code is accepted for the current 30-second step and one step either
side (clock drift), and never twice: the caller stores the step returned by :func:`verify` and
passes it back as ``last_step`` (RFC 6238 §5.2).
"""

from __future__ import annotations

import hmac
import time

import pyotp

DIGITS = 6
INTERVAL = 30
DRIFT_STEPS = 1


def new_secret() -> str:
    """A fresh base32 secret (160 bits, the size RFC 4226 recommends)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app imports (usually as a QR code)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=account, issuer_name=issuer
    )


def normalise(code: str | None) -> str | None:
    """Digits only (people type ``123 456``); ``None`` when nothing usable was given."""
    if code is None:
        return None
    digits = "".join(code.split())
    return digits if len(digits) == DIGITS and digits.isdigit() else None


def verify(
    secret: str, code: str, *, last_step: int | None, now: float | None = None
) -> int | None:
    """The time step ``code`` belongs to, if it is valid and newer than ``last_step``; else None."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    current = int((time.time() if now is None else now) // INTERVAL)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
