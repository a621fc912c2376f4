"""Fixtures of the settlement tests: this node (with its bank account) and a French peer."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.config import Settings
from node.runtime import Node
from tests.conftest import make_settings
from tests.node.federation.conftest import receiver
from tests.node.federation.fed_helpers import FakeNode
from tests.node.settlement.settle_helpers import Peer

__all__ = ["receiver"]
OWN_IBAN = "BE68539007547034"
FR_IBAN = "FR7630006000011234567890189"
FR = "https://coop-fr.example"  # sorts after this node's id (http://127.0.0.1:8000)
EARLY = "http://127.0.0.1:7000"  # sorts before it


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path,
        **{
            "database.url": database_url,
            "node.name": "Coop BE",
            "payouts.debtor_iban": OWN_IBAN,
        },
    )


@pytest.fixture
def fr(node: Node, receiver: FakeNode) -> Peer:
    return Peer(node, receiver, FR, "FR")


@pytest.fixture
def early(node: Node, receiver: FakeNode) -> Peer:
    return Peer(node, receiver, EARLY, "DE")
