"""``/api/v1/federation/keys``: staff list the node's keys, admins rotate and revoke them; each
change commits with its announcement to every active peer, and bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from node.federation import keystore
from node.runtime import Node
from tests.node.federation.fed_helpers import add_peer, fake_node, message_states


def keys(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    listed = client.get("/api/v1/federation/keys", headers=headers)
    assert listed.status_code == 200, listed.text
    return list(listed.json())


def first_key(node: Node) -> str:
    with node.db.transaction() as session:
        key, _ = keystore.ensure_key(session, keystore.kek(node.settings), actor="test")
        return key.kid


def test_admins_rotate_and_revoke_and_peers_are_told(
    client: TestClient, node: Node, login_as: Any
) -> None:
    old = first_key(node)
    add_peer(node.db, fake_node("https://peer.example"))
    admin = login_as("admin")

    rotated = client.post("/api/v1/federation/keys/rotate", json={"grace_hours": 6}, headers=admin)

    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["new_kid"]
    assert [old_key["kid"] for old_key in rotated.json()["retired"]] == [old]
    assert rotated.json()["announcements_queued"] == 1
    statuses = {key["kid"]: key["status"] for key in keys(client, login_as("staff"))}
    assert statuses == {old: "retired", new: "active"}

    revoked = client.post(
        f"/api/v1/federation/keys/{old}/revoke", json={"reason": "superseded"}, headers=admin
    )

    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["kid"], revoked.json()["new_kid"]) == (old, None)
    statuses = {key["kid"]: key["status"] for key in keys(client, admin)}
    assert statuses == {old: "revoked", new: "active"}
    assert sorted(message_states(node.db).values()) == ["queued", "queued"]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("rotate", {"grace_hours": 0}, 422),
        ("rotate", {"grace_hours": 24 * 8}, 422),
        ("rotate", {"grace": 6}, 422),
        ("{kid}/revoke", {"reason": "bored"}, 422),
        ("{kid}/revoke", {}, 422),
        ("{kid}/revoke", {"reason": "compromised"}, 409),  # the only active key, without force
        ("no-such-key/revoke", {"reason": "compromised"}, 404),
    ],
)
def test_bad_input_changes_nothing(
    client: TestClient, node: Node, login_as: Any, path: str, body: dict[str, Any], status: int
) -> None:
    kid = first_key(node)
    admin = login_as("admin")
    before = keys(client, admin)

    answer = client.post(
        "/api/v1/federation/keys/" + path.format(kid=kid), json=body, headers=admin
    )

    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert keys(client, admin) == before
    assert message_states(node.db) == {}


def test_staff_may_look_but_not_change(client: TestClient, node: Node, login_as: Any) -> None:
    kid = first_key(node)
    staff = login_as("staff")
    assert [key["kid"] for key in keys(client, staff)] == [kid]
    assert client.post("/api/v1/federation/keys/rotate", json={}, headers=staff).status_code == 403
    member = client.get("/api/v1/federation/keys", headers=login_as("member"))
    assert member.status_code == 403
