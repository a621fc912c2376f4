"""The node descriptor: who a node is, where its inbox is, what it speaks, and its public keys.

Served (later) at ``GET /.well-known/coopnode`` as a compact JWS, ``typ``
``coopnode-descriptor+jwt``, signed by the node's current key; claims follow
``schemas/node-descriptor.v1.json``.

Trust comes from the fingerprint an admin checked out of band, not from the descriptor itself:
:func:`verify_descriptor` requires the *signing* key to be one of the fingerprints the caller
trusts and to be active in the descriptor's own key set. Merely listing a trusted key is not
enough, or anyone could copy a node's public key into a descriptor signed with their own.
After a rotation the caller trusts the new kid because a ``keys-rotated`` message signed by
the old one announced it.
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
    open_compact,
    sign_compact,
    to_numeric,
)
from federation.errors import FederationError, FingerprintMismatch, InactiveKey, Malformed
from federation.identity import check_same_origin, parse_node_id
from federation.keys import KeySet, KeyStatus, SigningKey
from federation.schemas import Catalogue, default_catalogue

DESCRIPTOR_TYP = "coopnode-descriptor+jwt"
DEFAULT_LIFETIME = timedelta(days=1)
MAX_LIFETIME = timedelta(days=30)
MAX_SIZE = 64 * 1024


@dataclass(frozen=True)
class NodeDescriptor:
    """What a node says about itself."""

    node_id: str
    name: str
    country: str
    currency: str
    inbox: str
    messages: Mapping[str, list[int]]
    keys: KeySet
    #: What the node offers members of other co-ops working in its country: ``{"code", "name"}``
    #: each (optional; left out of the claims when empty).
    services: tuple[Mapping[str, str], ...] = ()


@dataclass(frozen=True)
class VerifiedDescriptor:
    """A descriptor whose signature, keys and origin have been checked."""

    descriptor: NodeDescriptor
    kid: str
    issued_at: datetime
    expires_at: datetime


def sign_descriptor(
    descriptor: NodeDescriptor,
    key: SigningKey,
    now: datetime,
    lifetime: timedelta = DEFAULT_LIFETIME,
    catalogue: Catalogue | None = None,
) -> str:
    """Sign ``descriptor`` with ``key``, which must be an active key of its own key set."""
    listed = descriptor.keys.get(key.kid)
    if listed is None or listed.status is not KeyStatus.ACTIVE or not listed.covers(now):
        raise FederationError("sign the descriptor with one of its own active keys")
    if parse_node_id(descriptor.node_id) != descriptor.node_id:
        raise FederationError("the descriptor's node id must be canonical")
    check_same_origin(descriptor.node_id, descriptor.inbox)
    iat = to_numeric(now)
    claims: dict[str, Any] = {
        "iss": descriptor.node_id,
        "iat": iat,
        "exp": iat + int(lifetime.total_seconds()),
        "name": descriptor.name,
        "country": descriptor.country,
        "currency": descriptor.currency,
        "inbox": descriptor.inbox,
        "messages": {name: sorted(majors) for name, majors in descriptor.messages.items()},
        "keys": descriptor.keys.to_jwks(),
    }
    if descriptor.services:
        claims["services"] = [dict(service) for service in descriptor.services]
    (catalogue or default_catalogue()).validate_document("node-descriptor", claims)
    return sign_compact(claims, key, DESCRIPTOR_TYP)


def verify_descriptor(
    token: str | bytes,
    node_id: str,
    fingerprints: Iterable[str],
    now: datetime,
    *,
    skew: timedelta = DEFAULT_SKEW,
    catalogue: Catalogue | None = None,
) -> VerifiedDescriptor:
    """Check a descriptor fetched from ``node_id`` against fingerprints trusted out of band."""
    unverified = open_compact(token, DESCRIPTOR_TYP, MAX_SIZE)
    claims = unverified.claims
    (catalogue or default_catalogue()).validate_document("node-descriptor", claims)
    if claims["iss"] != parse_node_id(node_id):
        raise Malformed(f"descriptor of {claims['iss']} fetched from {node_id}")
    keys = KeySet.from_jwks(claims["keys"])
    kid = unverified.kid
    if kid not in set(fingerprints):
        raise FingerprintMismatch(f"descriptor signed by {kid}, not by a trusted fingerprint")
    signing = keys.verifying_key(kid, now)
    if signing.status is not KeyStatus.ACTIVE:
        raise InactiveKey(f"descriptor signed by {kid}, which is not an active key")
    check_signature(unverified, signing)
    check_times(claims["iat"], claims["exp"], now, skew, MAX_LIFETIME)
    check_same_origin(claims["iss"], claims["inbox"])
    return VerifiedDescriptor(_descriptor(claims, keys), kid, *_window(claims))


def _descriptor(claims: Mapping[str, Any], keys: KeySet) -> NodeDescriptor:
    return NodeDescriptor(
        node_id=claims["iss"],
        name=claims["name"],
        country=claims["country"],
        currency=claims["currency"],
        inbox=claims["inbox"],
        messages=dict(claims["messages"]),
        keys=keys,
        services=tuple(dict(service) for service in claims.get("services", ())),
    )


def _window(claims: Mapping[str, Any]) -> tuple[datetime, datetime]:
    return from_numeric(claims["iat"]), from_numeric(claims["exp"])
