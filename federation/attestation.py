"""Member attestation: "is this person a member in good standing?", asked only with their consent.

The member obtains at their home node a *consent token*: a compact JWS (``typ``
``coopnode-consent+jwt``, claims in ``schemas/consent-token.v1.json``) signed by the home node,
naming the one node that may use it (``aud``), one purpose, the member's pseudonymous subject id
(never a national id) and the fields the member allows that node to see. It expires (a day by
default, a week at most) and carries a ``jti`` so the home node can refuse a second use.

The asking node sends it in an ``attestation-request/1`` message; the home node checks it with
:func:`verify_consent` and answers with :func:`answer_body`: yes or no, plus only the allowed
fields, and nothing at all when the answer is no. There is no way to ask about a bare identifier.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from federation.envelope import (
    DEFAULT_SKEW,
    check_signature,
    check_times,
    from_numeric,
    new_message_id,
    open_compact,
    sign_compact,
    to_numeric,
)
from federation.errors import InvalidBody, UnknownKey, WrongAudience
from federation.keys import KeySet, SigningKey
from federation.schemas import Catalogue, default_catalogue

CONSENT_TYP = "coopnode-consent+jwt"
DEFAULT_LIFETIME = timedelta(days=1)
MAX_LIFETIME = timedelta(days=7)
MAX_SIZE = 8 * 1024
FIELDS = ("display_name", "member_since", "home_country", "share_class")


@dataclass(frozen=True)
class Consent:
    """A verified consent token."""

    home: str
    audience: str
    subject: str
    purpose: str
    fields: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime
    jti: str


@dataclass(frozen=True)
class MemberStanding:
    """What the home node knows about the member, handed in by the caller (this package has no tables)."""

    in_good_standing: bool
    facts: Mapping[str, Any]


def issue_consent(
    key: SigningKey,
    *,
    home: str,
    audience: str,
    subject: str,
    purpose: str,
    fields: Iterable[str],
    now: datetime,
    lifetime: timedelta = DEFAULT_LIFETIME,
    catalogue: Catalogue | None = None,
) -> str:
    """Sign a consent token for ``subject``; the member hands it to the ``audience`` node."""
    iat = to_numeric(now)
    claims = {
        "iss": home,
        "aud": audience,
        "sub": subject,
        "purpose": purpose,
        "fields": sorted(set(fields)),
        "iat": iat,
        "exp": iat + int(lifetime.total_seconds()),
        "jti": new_message_id(),
    }
    (catalogue or default_catalogue()).validate_document("consent-token", claims)
    if lifetime > MAX_LIFETIME:
        raise ValueError(f"a consent token lives at most {MAX_LIFETIME}")
    return sign_compact(claims, key, CONSENT_TYP)


def verify_consent(
    token: str,
    *,
    home: str,
    home_keys: KeySet,
    asker: str,
    purpose: str,
    now: datetime,
    skew: timedelta = DEFAULT_SKEW,
    catalogue: Catalogue | None = None,
) -> Consent:
    """Check a consent token issued by ``home`` and presented by ``asker`` for ``purpose``."""
    unverified = open_compact(token, CONSENT_TYP, MAX_SIZE)
    claims = unverified.claims
    (catalogue or default_catalogue()).validate_document("consent-token", claims)
    if claims["iss"] != home:
        raise WrongAudience(f"consent token issued by {claims['iss']}, not by {home}")
    key = home_keys.get(unverified.kid)
    if key is None:
        raise UnknownKey(f"no key {unverified.kid!r} at {home}")
    check_signature(unverified, key)
    check_times(claims["iat"], claims["exp"], now, skew, MAX_LIFETIME)
    home_keys.verifying_key(unverified.kid, from_numeric(claims["iat"]))
    if claims["aud"] != asker:
        raise WrongAudience(f"consent token given to {claims['aud']}, presented by {asker}")
    if claims["purpose"] != purpose:
        raise WrongAudience(f"consent token is for {claims['purpose']!r}, not {purpose!r}")
    return Consent(
        home=claims["iss"],
        audience=claims["aud"],
        subject=claims["sub"],
        purpose=claims["purpose"],
        fields=tuple(claims["fields"]),
        issued_at=from_numeric(claims["iat"]),
        expires_at=from_numeric(claims["exp"]),
        jti=claims["jti"],
    )


def answer_body(request_id: str, consent: Consent, member: MemberStanding | None) -> dict[str, Any]:
    """The ``attestation-answer/1`` body: only allowed fields, none when the answer is no.

    ``member`` is None when the subject is unknown: the answer is then a plain no, the same as
    for a member not in good standing, so the asker learns nothing more.
    """
    standing = member is not None and member.in_good_standing
    fields: dict[str, Any] = {}
    if member is not None and standing:
        fields = {name: member.facts[name] for name in consent.fields if name in member.facts}
    return {
        "request": request_id,
        "subject": consent.subject,
        "purpose": consent.purpose,
        "in_good_standing": standing,
        "fields": fields,
    }


def check_answer(body: Mapping[str, Any], consent: Consent) -> None:
    """At the asking node: refuse an answer that discloses more than the member allowed."""
    extra = set(body.get("fields", {})) - set(consent.fields)
    if extra:
        raise InvalidBody(f"the answer discloses fields the member did not allow: {sorted(extra)}")
    if body.get("subject") != consent.subject or body.get("purpose") != consent.purpose:
        raise InvalidBody("the answer is about another subject or purpose")
