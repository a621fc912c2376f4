"""Peering as two co-ops' admins do it: each reads its node's fingerprint (``coopnode keys
fingerprint``) and gives it to the other out of band; one asks (``coopnode peers add``), the
other checks the fingerprint and approves (``coopnode peers approve``)."""

from __future__ import annotations

from typing import Any

from scripts.demo.nodes import Api, Node, wait_for

PEERS = "/api/v1/federation/peers"


def peer_state(admin: Api, node_id: str, state: str) -> dict[str, Any] | None:
    for peer in admin.get(PEERS):
        if peer["node_id"] == node_id and peer["state"] == state:
            return dict(peer)
    return None


def peer(a: Node, b: Node, admins: dict[str, Api]) -> None:
    """``a`` asks ``b``; ``b``'s admin approves with ``a``'s fingerprint; both end active."""
    a_print = a.coopnode("keys", "fingerprint").strip()
    b_print = b.coopnode("keys", "fingerprint").strip()
    a.coopnode("peers", "add", b.url, f"--fingerprint={b_print}")
    wait_for(
        f"{b.code} receiving {a.code}'s peering request",
        lambda: peer_state(admins[b.code], a.url, "pending"),
    )
    b.coopnode("peers", "approve", a.url, f"--fingerprint={a_print}")
    wait_for(
        f"{a.code} receiving {b.code}'s accept", lambda: peer_state(admins[a.code], b.url, "active")
    )
