"""The descriptor's optional ``services``: signed when there are any, read back by peers."""

from __future__ import annotations

from datetime import UTC, datetime

from federation.descriptor import NodeDescriptor, sign_descriptor, verify_descriptor
from federation.envelope import open_compact
from federation.keys import KeySet, SigningKey
from federation.schemas import default_catalogue

NODE = "https://coop-fr.example"
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def test_services_travel_in_the_descriptor_only_when_there_are_some() -> None:
    key = SigningKey.generate()
    keys = KeySet.of([key.public(datetime(2026, 1, 1, tzinfo=UTC))])
    plain = NodeDescriptor(
        node_id=NODE,
        name="Coop France",
        country="FR",
        currency="EUR",
        inbox=f"{NODE}/federation/v1/inbox",
        messages=default_catalogue().advertised(),
        keys=keys,
    )
    token = sign_descriptor(plain, key, NOW)
    assert "services" not in open_compact(token, "coopnode-descriptor+jwt").claims
    assert verify_descriptor(token, NODE, [key.kid], NOW).descriptor.services == ()
    services = ({"code": "coworking", "name": "A desk in Lille"},)
    token = sign_descriptor(NodeDescriptor(**{**plain.__dict__, "services": services}), key, NOW)
    assert verify_descriptor(token, NODE, [key.kid], NOW).descriptor.services == services
