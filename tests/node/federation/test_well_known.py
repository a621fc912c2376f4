"""``GET /.well-known/coopnode``: a descriptor peers can verify, fresh after every key change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from federation.descriptor import verify_descriptor
from federation.errors import FingerprintMismatch
from federation.identity import parse_node_id
from federation.keys import KeyStatus, new_kek
from federation.schemas import default_catalogue
from node.app import create_app
from node.config import Settings
from node.db import Database
from node.db.types import utcnow
from node.errors import PROBLEM_BASE
from node.federation import keystore
from node.federation.keystore import FederationKey
from node.runtime import Node, bootstrap

URL = "/.well-known/coopnode"


def node_id(settings: Settings) -> str:
    return parse_node_id(settings["node.base_url"])


def current_kid(node: Node) -> str:
    with node.db.reading() as session:
        key = keystore.current_key(session)
    assert key is not None
    return key.kid


def key_count(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(FederationKey)) or 0)


@pytest.fixture
def other_client(settings: Settings, db: Database) -> Iterator[Any]:
    """``other_client(kek)``: a client of the same database with another key-encryption key."""

    def make(kek: str) -> TestClient:
        node = bootstrap(settings.replace(**{"federation.key_encryption_key": kek}), db=db)
        return TestClient(create_app(node), raise_server_exceptions=False)

    yield make


def test_the_descriptor_is_a_signed_jws_peers_can_verify(
    client: TestClient, node: Node, settings: Settings
) -> None:
    response = client.get(URL)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/jose")
    assert response.headers["cache-control"] == "no-store"
    kid = current_kid(node)  # made on first use: the test database was migrated without one
    verified = verify_descriptor(response.text, node_id(settings), [kid], utcnow())
    descriptor = verified.descriptor
    assert verified.kid == kid
    assert descriptor.node_id == node_id(settings)
    assert descriptor.inbox == node_id(settings) + "/federation/v1/inbox"
    assert (descriptor.name, descriptor.country, descriptor.currency) == (
        settings["node.name"],
        settings["node.country"],
        settings["node.currency"],
    )
    assert dict(descriptor.messages) == default_catalogue().advertised()
    assert [key.kid for key in descriptor.keys] == [kid]
    with pytest.raises(FingerprintMismatch):
        verify_descriptor(response.text, node_id(settings), ["someone-else"], utcnow())


def test_the_first_request_makes_one_key_only(client: TestClient, db: Database) -> None:
    assert key_count(db) == 0
    first, second = client.get(URL), client.get(URL)
    assert first.status_code == second.status_code == 200
    assert key_count(db) == 1


def test_the_descriptor_follows_rotation_and_revocation(
    client: TestClient, node: Node, settings: Settings
) -> None:
    before = client.get(URL).text
    old = current_kid(node)
    master = keystore.kek(settings)
    with node.db.transaction() as session:
        new = keystore.rotate(session, master, timedelta(hours=2)).new.kid
    after = client.get(URL).text
    assert after != before
    with pytest.raises(FingerprintMismatch):  # now signed by the new key
        verify_descriptor(after, node_id(settings), [old], utcnow())
    keys = verify_descriptor(after, node_id(settings), [new], utcnow()).descriptor.keys
    assert {key.kid: key.status for key in keys} == {old: KeyStatus.RETIRED, new: KeyStatus.ACTIVE}
    with node.db.transaction() as session:
        keystore.revoke(session, master, old, "compromised")
    revoked = client.get(URL).text
    keys = verify_descriptor(revoked, node_id(settings), [new], utcnow()).descriptor.keys
    assert {key.kid: key.status for key in keys} == {old: KeyStatus.REVOKED, new: KeyStatus.ACTIVE}


def test_without_a_kek_the_descriptor_is_a_503_problem(other_client: Any, db: Database) -> None:
    with other_client("") as client:
        response = client.get(URL, headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEM_BASE + "not-ready"
    assert "key-encryption key" in response.json()["detail"]
    assert "key_encryption_key" not in response.text  # no configuration details to strangers
    assert key_count(db) == 0


def test_a_wrong_kek_is_a_503_problem_not_a_crash(
    client: TestClient, other_client: Any, db: Database
) -> None:
    assert client.get(URL).status_code == 200
    with other_client(new_kek()) as wrong:
        response = wrong.get(URL)
    assert response.status_code == 503
    assert response.json()["type"] == PROBLEM_BASE + "not-ready"
    assert key_count(db) == 1


def test_the_descriptor_is_in_the_openapi_document(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][URL]["get"]
    assert operation["x-coop-roles"] == []
    assert "application/jose" in operation["responses"]["200"]["content"]
