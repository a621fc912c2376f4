"""Fixtures of the inbox/outbox/delivery tests; the helpers are in ``fed_helpers``."""

from __future__ import annotations

import pytest

from node.federation.signing import SIGNER_EXTRA
from node.runtime import Node
from tests.node.federation.fed_helpers import RECEIVER, FakeNode, fake_node


@pytest.fixture
def receiver(node: Node) -> FakeNode:
    """The node under test's own identity (its signer put where the inbox finds it)."""
    me = fake_node(RECEIVER)
    node.extras[SIGNER_EXTRA] = me.signer
    return me
