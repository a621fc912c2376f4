"""``coopnode payslip …`` run in-process for tests: no configuration file, no usable database."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from node.cli.main import main

Run = Callable[..., tuple[int, str, str]]


def payslip_runner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    """A function running ``coopnode payslip ARGS`` (``stdin=`` feeds a batch) that returns its
    exit code, stdout and stderr; the command must need neither settings nor a database."""
    monkeypatch.setenv("COOPNODE_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.chdir(tmp_path)

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        try:
            code = main(["payslip", *args])
        except SystemExit as exc:  # argparse refuses the arguments
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run
