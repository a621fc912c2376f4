"""The payroll tests run on the toy payroll (``toy.py``): the node's jurisdiction returns it."""

from __future__ import annotations

import pytest

from node.runtime import Node
from plugins.payroll.contract import Payroll
from tests.node.payroll.toy import TOY


@pytest.fixture
def toy(node: Node, monkeypatch: pytest.MonkeyPatch) -> Payroll:
    """Make the node's jurisdiction (and any node bootstrapped during the test, e.g. by the CLI:
    the jurisdiction object is shared) compute payroll with the toy."""
    monkeypatch.setattr(node.jurisdiction, "payroll", lambda: TOY)
    return TOY
