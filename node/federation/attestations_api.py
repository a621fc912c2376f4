"""Member attestation endpoints: a member's consents at their home node, staff's requests at the
asking node (see :mod:`node.federation.attestations` for the rules).

* ``POST /api/v1/federation/consents`` (the member) — a consent token for one active peer, one
  purpose, some fields; the token is shown once, in this answer.
* ``GET /api/v1/federation/consents`` (the member) — their own consents and their state.
* ``DELETE /api/v1/federation/consents/{id}`` (the member) — revoke one.
* ``POST /api/v1/federation/attestations`` (staff) — present a token a member gave; the request
  goes to the member's home node.
* ``GET /api/v1/federation/attestations[/{id}]`` (staff) — the requests and their answers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from federation.keys import KeyDecryptionError
from node.errors import ConfigError, NotFound, NotReady
from node.federation import attestations, keystore
from node.federation.attestation_models import Attestation
from node.federation.signing import node_signer
from node.i18n import N_
from node.identity.roles import Role
from node.members.models import Member
from node.web.api import STAFF, Call, api_route

TAG = "federation"
MEMBER = frozenset({Role.MEMBER})
CONSENTS = "/api/v1/federation/consents"
ATTESTATIONS = "/api/v1/federation/attestations"

CONSENT_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "audience": {
            "type": "string",
            "minLength": 1,
            "maxLength": 300,
            "description": "Node id of the one node that may use the token (an active peer).",
        },
        "purpose": {
            "enum": list(attestations.PURPOSES),
            "description": "guest_membership: to work through the asking co-op as a guest "
            "member; cross_border_mission: to take a mission in its country; "
            "membership_transfer: to move one's membership there.",
        },
        "fields": {
            "type": "array",
            "items": {"enum": list(attestations.FIELDS)},
            "uniqueItems": True,
            "description": "What the asking node may learn when the answer is yes: display_name, "
            "member_since, home_country, share_class. Empty: only yes or no.",
        },
        "lifetime_hours": {
            "type": "integer",
            "minimum": 1,
            "maximum": attestations.MAX_LIFETIME_HOURS,
            "description": "How long the token may be presented (default 24 hours).",
        },
    },
    "required": ["audience", "purpose", "fields"],
    "additionalProperties": False,
}
ATTESTATION_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "consent": {
            "type": "string",
            "minLength": 1,
            "maxLength": 8192,
            "description": "The consent token the member obtained at their home node.",
        },
    },
    "required": ["consent"],
    "additionalProperties": False,
}


def _own_member(call: Call) -> Member:
    member_id = call.caller().member_id
    member = None if member_id is None else call.session.get(Member, member_id)
    if member is None or member.erased_at is not None:
        raise NotFound(N_("Your login is not linked to a member record."))
    return member


@api_route(
    "POST",
    CONSENTS,
    summary="A member's consent token for one asking node, purpose and set of fields "
    "(shown once; usable once).",
    roles=MEMBER,
    tag=TAG,
    body=CONSENT_BODY,
    status=201,
)
def give_consent(call: Call) -> dict[str, Any]:
    member = _own_member(call)
    hours = call.body.get("lifetime_hours", attestations.DEFAULT_LIFETIME_HOURS)
    try:
        row, token = attestations.give_consent(
            call.session,
            keystore.kek(call.settings),
            node_signer(call.node).node_id,
            member,
            audience=call.body["audience"],
            purpose=call.body["purpose"],
            fields=call.body["fields"],
            lifetime=timedelta(hours=hours),
            actor=call.actor,
            request_id=call.request_id,
        )
    except (ConfigError, KeyDecryptionError):  # the node cannot sign: as for its descriptor
        raise NotReady(keystore.NOT_CONFIGURED) from None
    return {**attestations.consent_view(row), "token": token}


@api_route(
    "GET",
    CONSENTS,
    summary="The caller's own consents: to whom, for what, until when, used or revoked.",
    roles=MEMBER,
    tag=TAG,
    own_records=True,
)
def list_consents(call: Call) -> list[dict[str, Any]]:
    rows = attestations.consents_of(call.session, call.caller().member_id)
    return [attestations.consent_view(row) for row in rows]


@api_route(
    "DELETE",
    CONSENTS + "/{consent_id:int}",
    summary="Revoke one of the caller's consents: a request presenting it is then refused.",
    roles=MEMBER,
    tag=TAG,
    own_records=True,
)
def revoke_consent(call: Call) -> dict[str, Any]:
    row = attestations.revoke_consent(
        call.session,
        call.caller().member_id,
        call.path["consent_id"],
        actor=call.actor,
        request_id=call.request_id,
    )
    return attestations.consent_view(row)


@api_route(
    "POST",
    ATTESTATIONS,
    summary="Present a member's consent token to their home node: is this person a member in "
    "good standing?",
    roles=STAFF,
    tag=TAG,
    body=ATTESTATION_BODY,
    status=201,
)
def ask_attestation(call: Call) -> dict[str, Any]:
    row = attestations.ask(
        call.session,
        node_signer(call.node).node_id,
        call.body["consent"],
        actor=call.actor,
        request_id=call.request_id,
    )
    return attestations.attestation_view(call.session, row)


@api_route(
    "GET",
    ATTESTATIONS,
    summary="Attestation requests this node sent, newest first, with their answers.",
    roles=STAFF,
    tag=TAG,
)
def list_attestations(call: Call) -> list[dict[str, Any]]:
    rows = call.session.scalars(select(Attestation).order_by(Attestation.id.desc()).limit(200))
    return [attestations.attestation_view(call.session, row) for row in rows]


@api_route(
    "GET",
    ATTESTATIONS + "/{id:int}",
    summary="One attestation request: pending, refused (with the home node's reason), failed "
    "or answered (yes/no and only the fields the member allowed).",
    roles=STAFF,
    tag=TAG,
)
def read_attestation(call: Call) -> dict[str, Any]:
    row = call.session.get(Attestation, call.path["id"])
    if row is None:
        raise NotFound(N_("No such attestation request."))
    return attestations.attestation_view(call.session, row)


ROUTES = [
    give_consent,
    list_consents,
    revoke_consent,
    ask_attestation,
    list_attestations,
    read_attestation,
]
