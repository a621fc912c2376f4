"""Why a federation message, descriptor or token was refused: stable codes peers can rely on.

Hierarchy::

    FederationError              base; a programming or configuration fault, never sent to a peer
    └── Rejection                a protocol refusal; carries a stable ``code`` and an HTTP ``status``
        ├── Malformed            400  not a compact JWS, bad JSON, wrong header, bad claims
        ├── TooLarge             413  bigger than the receiver's size limit
        ├── UnsupportedType      400  message type or major version the receiver does not know
        ├── InvalidBody          400  body does not match the schema of its type
        ├── UnsupportedAlgorithm 401  ``alg`` other than EdDSA (none, HS256, RS256 …)
        ├── UnknownKey           401  ``kid`` not in the sender's key set
        ├── RevokedKey           401  ``kid`` revoked: refused whatever the signing time
        ├── InactiveKey          401  signed outside the key's validity window
        ├── BadSignature         401  signature does not verify
        ├── WrongAudience        401  addressed to another node (or another purpose)
        ├── Expired              401  past ``exp`` (beyond the allowed clock skew)
        ├── NotYetValid          401  ``iat`` in the future beyond the allowed clock skew
        ├── FingerprintMismatch  401  descriptor keys do not include the fingerprint given out of band
        ├── UnknownPeer          403  sender is not a known peer
        └── InactivePeer         403  sender is known but not (or no longer) an active peer

Codes are part of the protocol: once published they never change meaning. The inbox (built later)
turns a :class:`Rejection` into an RFC 9457 problem document whose ``type`` ends with the code.
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """Stable rejection codes."""

    MALFORMED = "malformed"
    TOO_LARGE = "too_large"
    UNSUPPORTED_TYPE = "unsupported_type"
    INVALID_BODY = "invalid_body"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    UNKNOWN_KEY = "unknown_key"
    REVOKED_KEY = "revoked_key"
    INACTIVE_KEY = "inactive_key"
    BAD_SIGNATURE = "bad_signature"
    WRONG_AUDIENCE = "wrong_audience"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    FINGERPRINT_MISMATCH = "fingerprint_mismatch"
    UNKNOWN_PEER = "unknown_peer"
    INACTIVE_PEER = "inactive_peer"


class FederationError(Exception):
    """Base of every error this package raises on purpose."""


class Rejection(FederationError):
    """A refusal the receiver reports to the sender; subclasses fix ``code`` and ``status``."""

    code: Code = Code.MALFORMED
    status: int = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code.value!r}, {self.detail!r})"


class Malformed(Rejection):
    code = Code.MALFORMED
    status = 400


class TooLarge(Rejection):
    code = Code.TOO_LARGE
    status = 413


class UnsupportedType(Rejection):
    code = Code.UNSUPPORTED_TYPE
    status = 400


class InvalidBody(Rejection):
    code = Code.INVALID_BODY
    status = 400


class UnsupportedAlgorithm(Rejection):
    code = Code.UNSUPPORTED_ALGORITHM
    status = 401


class UnknownKey(Rejection):
    code = Code.UNKNOWN_KEY
    status = 401


class RevokedKey(Rejection):
    code = Code.REVOKED_KEY
    status = 401


class InactiveKey(Rejection):
    code = Code.INACTIVE_KEY
    status = 401


class BadSignature(Rejection):
    code = Code.BAD_SIGNATURE
    status = 401


class WrongAudience(Rejection):
    code = Code.WRONG_AUDIENCE
    status = 401


class Expired(Rejection):
    code = Code.EXPIRED
    status = 401


class NotYetValid(Rejection):
    code = Code.NOT_YET_VALID
    status = 401


class FingerprintMismatch(Rejection):
    code = Code.FINGERPRINT_MISMATCH
    status = 401


class UnknownPeer(Rejection):
    code = Code.UNKNOWN_PEER
    status = 403


class InactivePeer(Rejection):
    code = Code.INACTIVE_PEER
    status = 403
