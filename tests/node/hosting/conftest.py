"""Fixtures of the hosting tests: the node under test with its federation identity and inbox."""

from __future__ import annotations

import pytest

from node.federation.inbox import Inbox
from node.federation.signing import SIGNER_EXTRA
from node.runtime import Node
from tests.node.federation.fed_helpers import RECEIVER, fake_node, make_inbox


@pytest.fixture
def inbox(node: Node) -> Inbox:
    """The node under test's inbox, signing its receipts as ``RECEIVER``."""
    me = fake_node(RECEIVER)
    node.extras[SIGNER_EXTRA] = me.signer
    return make_inbox(node.db, me)
