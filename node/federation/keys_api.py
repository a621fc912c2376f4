"""``/api/v1/federation/keys``: the node's own signing keys — list, rotate, revoke.

The same actions as ``coopnode keys``: a rotation or revocation commits with its announcement to
every active peer (:mod:`node.federation.key_changes`). Only public information is shown. A node
whose key-encryption key is missing or wrong answers 503 and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from federation.keys import KeyDecryptionError
from node.errors import ConfigError, NotReady
from node.federation import key_changes, keystore
from node.web.api import ADMIN, STAFF, Call, api_route

TAG = "federation"
ROTATE = {
    "type": "object",
    "properties": {
        "grace_hours": {"type": "integer", "minimum": 1, "maximum": key_changes.MAX_GRACE_HOURS}
    },
    "additionalProperties": False,
}
REVOKE = {
    "type": "object",
    "properties": {
        "reason": {"enum": list(keystore.REVOCATION_REASONS)},
        "force": {"type": "boolean"},
    },
    "required": ["reason"],
    "additionalProperties": False,
}
NOT_CONFIGURED = keystore.NOT_CONFIGURED


def _master(call: Call) -> bytes:
    try:
        return keystore.kek(call.node.settings)
    except ConfigError:
        raise NotReady(NOT_CONFIGURED) from None


@api_route(
    "GET",
    "/api/v1/federation/keys",
    summary="The node's signing keys: kid (fingerprint), status, validity, revocation reason.",
    roles=STAFF,
    tag=TAG,
)
def list_keys(call: Call) -> list[dict[str, Any]]:
    return keystore.describe(keystore.rows(call.session))


@api_route(
    "POST",
    "/api/v1/federation/keys/rotate",
    summary="Make a new key; the old one retires after the grace and peers are told.",
    roles=ADMIN,
    tag=TAG,
    body=ROTATE,
)
def rotate_key(call: Call) -> dict[str, Any]:
    hours = (call.body or {}).get("grace_hours")
    grace = keystore.DEFAULT_GRACE if hours is None else timedelta(hours=hours)
    try:
        rotation, queued = key_changes.rotate(call.session, _master(call), grace, call.actor)
    except KeyDecryptionError:
        raise NotReady(NOT_CONFIGURED) from None
    return key_changes.rotation_view(rotation, queued)


@api_route(
    "POST",
    "/api/v1/federation/keys/{kid}/revoke",
    summary="Revoke a key at once and tell peers (force: even the only active key).",
    roles=ADMIN,
    tag=TAG,
    body=REVOKE,
)
def revoke_key(call: Call) -> dict[str, Any]:
    try:
        revocation, queued = key_changes.revoke(
            call.session,
            _master(call),
            call.path["kid"],
            call.body["reason"],
            force=bool(call.body.get("force", False)),
            actor=call.actor,
        )
    except KeyDecryptionError:
        raise NotReady(NOT_CONFIGURED) from None
    return key_changes.revocation_view(revocation, queued)


ROUTES = [list_keys, rotate_key, revoke_key]
