"""The peers overview stays whole when a peer is introduced while it is being read."""

from __future__ import annotations

from typing import Any

import pytest

from node.db import Database
from node.federation import outbox, peering
from tests.node.federation.fed_helpers import add_peer, fake_node


def test_a_peer_introduced_mid_read_does_not_break_the_overview(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, late = fake_node("https://a.example"), fake_node("https://late.example")
    add_peer(db, first)
    summary = outbox.queue_summary

    def introduce_then_summarise(session: Any) -> list[dict[str, Any]]:
        add_peer(db, late)  # committed by another connection between the overview's statements
        return summary(session)

    monkeypatch.setattr(outbox, "queue_summary", introduce_then_summarise)
    with db.reading() as session:
        shown = [row["node_id"] for row in peering.peers_overview(session)]
    assert shown[0] == first.node_id
    assert set(shown) <= {first.node_id, late.node_id}
