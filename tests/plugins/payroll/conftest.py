"""Toyland, the made-up country the payroll kit is developed against, lives in toy_country/:
``coop_toy_payroll`` conforms, ``coop_toy_broken`` holds one broken variant per check."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TOY_COUNTRY = Path(__file__).with_name("toy_country")


@pytest.fixture
def toy_country(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Toyland importable here and in pytest subprocesses (``PYTHONPATH``)."""
    monkeypatch.syspath_prepend(str(TOY_COUNTRY))
    paths = [str(TOY_COUNTRY), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    return TOY_COUNTRY
