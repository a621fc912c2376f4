"""Toy plugins for plugin-host tests live in tests/plugins/toys/ and import by module name."""

from __future__ import annotations

from pathlib import Path

import pytest

TOYS = Path(__file__).with_name("toys")


@pytest.fixture
def toys(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the toy plugin modules importable (``coop_toy_*``)."""
    monkeypatch.syspath_prepend(str(TOYS))
    return TOYS
