"""Node ids: one canonical spelling per node, https only off loopback, nothing but an origin."""

from __future__ import annotations

import pytest

from federation.errors import Malformed
from federation.identity import check_same_origin, is_node_id, parse_node_id


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("https://coop.example", "https://coop.example"),
        ("https://coop.example/", "https://coop.example"),
        ("HTTPS://Coop.Example", "https://coop.example"),
        ("https://coop.example:443", "https://coop.example"),
        ("https://coop.example:8443", "https://coop.example:8443"),
        ("https://sub.coop-be.example", "https://sub.coop-be.example"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("http://localhost:8002/", "http://localhost:8002"),
        ("http://[::1]:8003", "http://[::1]:8003"),
        ("http://localhost:80", "http://localhost"),
        ("https://192.0.2.7", "https://192.0.2.7"),
    ],
)
def test_canonical_form(given: str, canonical: str) -> None:
    assert parse_node_id(given) == canonical
    assert is_node_id(canonical)


@pytest.mark.parametrize(
    "refused",
    [
        "http://coop.example",  # plain http off loopback
        "http://10.0.0.1:8000",
        "http://127.0.0.2",  # only the three loopback names
        "ftp://coop.example",
        "coop.example",
        "//coop.example",
        "https://coop.example/node",
        "https://coop.example/?x=1",
        "https://coop.example?",
        "https://coop.example#top",
        "https://user@coop.example",
        "https://user:pw@coop.example",
        "https://coop.example:99999",
        "https://coop.example:0",
        "https://coop..example",
        "https://-coop.example",
        "https://coop_x.example",
        "https://coöp.example",
        "https://coop.example\\@evil.example",
        "https://coop .example",
        "https://",
        "",
    ],
)
def test_refused(refused: str) -> None:
    with pytest.raises(Malformed):
        parse_node_id(refused)
    assert not is_node_id(refused)


def test_is_node_id_wants_canonical_spelling() -> None:
    assert not is_node_id("https://coop.example/")
    assert not is_node_id("https://Coop.example")
    assert not is_node_id(42)


def test_inbox_on_same_origin() -> None:
    node = "https://coop.example:8443"
    assert check_same_origin(node, "https://coop.example:8443/federation/inbox")
    assert check_same_origin(node, "https://COOP.example:8443/federation/inbox")
    for other in (
        "https://coop.example/federation/inbox",  # other port
        "https://evil.example:8443/federation/inbox",
        "http://coop.example:8443/federation/inbox",
        "https://coop.example:8443/inbox?next=evil",
        "https://x@coop.example:8443/inbox",
    ):
        with pytest.raises(Malformed):
            check_same_origin(node, other)
