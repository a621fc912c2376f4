"""Fixtures of the exchange-rate tests: the hand-made ECB files of ``data/`` (test data in the
ECB's layouts, not ECB figures) and a helper to import them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from node.db import Database
from node.fx import service
from node.fx.service import ImportSummary

DATA = Path(__file__).parent / "data"


@pytest.fixture
def import_file(db: Database) -> Callable[[str | bytes], ImportSummary]:
    """Import a file of ``data/`` (by name) or raw bytes in its own transaction."""

    def run(source: str | bytes) -> ImportSummary:
        content = (DATA / source).read_bytes() if isinstance(source, str) else source
        with db.transaction() as session:
            return service.import_file(session, content, actor="test")

    return run
