"""Toy plugins for plugin-host tests live in tests/plugins/toys/ and import by module name;
``run`` is ``coopnode payslip`` in-process for the country tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugins.payroll_cli import Run, payslip_runner

TOYS = Path(__file__).with_name("toys")


@pytest.fixture
def toys(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the toy plugin modules importable (``coop_toy_*``)."""
    monkeypatch.syspath_prepend(str(TOYS))
    return TOYS


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``coopnode payslip …`` in-process (:func:`tests.plugins.payroll_cli.payslip_runner`)."""
    return payslip_runner(tmp_path, monkeypatch, capsys)
