"""``/api/v1/federation/peers``: list, add, approve, suspend, reactivate and revoke peers.

The same actions as ``coopnode peers``. Adding and approving run their own transactions
(``database="none"``): adding fetches the other node's descriptor first, and no database lock
is held across that request. Each change is audited; bad input is 422 and a state that does not
allow the action 409, both changing nothing.
"""

from __future__ import annotations

from typing import Any

from node.federation import peering
from node.web.api import ADMIN, STAFF, Call, api_route

TAG = "federation"
FINGERPRINT = {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"}
ADD = {
    "type": "object",
    "properties": {"url": {"type": "string", "maxLength": 255}, "fingerprint": FINGERPRINT},
    "required": ["url", "fingerprint"],
    "additionalProperties": False,
}
APPROVE = {
    "type": "object",
    "properties": {"fingerprint": FINGERPRINT},
    "additionalProperties": False,
}


@api_route(
    "GET",
    "/api/v1/federation/peers",
    summary="Peers: state, fingerprint, queue depth, oldest undelivered message, last error.",
    roles=STAFF,
    tag=TAG,
)
def list_peers(call: Call) -> list[dict[str, Any]]:
    return peering.peers_overview(call.session)


@api_route(
    "POST",
    "/api/v1/federation/peers",
    summary="Ask a node to peer: its descriptor is checked against the fingerprint given.",
    roles=ADMIN,
    tag=TAG,
    body=ADD,
    status=201,
    database="none",
)
def add_peer(call: Call) -> dict[str, Any]:
    return peering.request_peering(
        call.node,
        call.body["url"],
        call.body["fingerprint"],
        actor=call.actor,
        request_id=call.request_id,
    )


@api_route(
    "POST",
    "/api/v1/federation/peers/{id:int}/approve",
    summary="Accept a pending node's peering request (optionally checking its fingerprint).",
    roles=ADMIN,
    tag=TAG,
    body=APPROVE,
    database="none",
)
def approve_peer(call: Call) -> dict[str, Any]:
    fingerprint = (call.body or {}).get("fingerprint")
    return peering.approve(
        call.node, call.path["id"], fingerprint, actor=call.actor, request_id=call.request_id
    )


def _state_route(action: str, summary: str) -> Any:
    def change(call: Call) -> dict[str, Any]:
        return peering.change_state(
            call.session, call.path["id"], action, actor=call.actor, request_id=call.request_id
        )

    change.__name__ = f"{action}_peer"
    path = f"/api/v1/federation/peers/{{id:int}}/{action}"
    return api_route("POST", path, summary=summary, roles=ADMIN, tag=TAG)(change)


suspend_peer = _state_route("suspend", "Suspend an active peer: its messages are refused.")
reactivate_peer = _state_route("reactivate", "Make a suspended peer active again.")
revoke_peer = _state_route("revoke", "Revoke a peer for good (only a new add leaves it).")

ROUTES = [list_peers, add_peer, approve_peer, suspend_peer, reactivate_peer, revoke_peer]
