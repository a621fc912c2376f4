"""``make demo`` (scripts/demo): three real nodes on 127.0.0.1 through a posting, a hosting, a
three-country value chain and settlement; every pair reconciles balanced, exit code 0, and no
node process outlives the demo — nor a Ctrl-C in the middle of it.

The demo takes about 70 s on two slow cores (each node's set-up and every ``coopnode`` command
start a Python process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.process
ROOT = Path(__file__).resolve().parents[1]
PAIRS = ("BE-FR", "BE-DE", "FR-DE")
DEMO_SECONDS = 600
COUNTRIES = ("be", "fr", "de")


def demo_command(folder: Path) -> list[str]:
    return [sys.executable, "-m", "scripts.demo", "--dir", str(folder)]


def processes_in(folder: Path) -> list[tuple[int, str]]:
    """Processes (pid, command line) working in ``folder`` or below: the demo's nodes and
    their commands run in their own folders."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = (entry / "cwd").resolve(strict=True)
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if cwd == folder or folder in cwd.parents:
            found.append((int(entry.name), command))
    return found


def test_the_demo_reconciles_every_pair_balanced_and_stops_its_nodes(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    done = subprocess.run(
        demo_command(folder),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=DEMO_SECONDS,
        check=False,
    )
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed
    reconciliations = [line for line in done.stdout.splitlines() if line.startswith("reconcil")]
    assert reconciliations == [f"reconciliation {pair}: balanced" for pair in PAIRS], printed
    paid = (
        ("BE", "Ana Peeters"),
        ("DE", "Chloé Dubois"),
        ("BE", "An Claes"),
        ("FR", "Luc Martin"),
        ("DE", "Jana"),
    )
    for law, member in paid:
        (slip,) = [line for line in done.stdout.splitlines() if line.strip().startswith(member)]
        assert f"{law} law" in slip and "gross" in slip and "employer cost" in slip, slip
        assert "estimate" not in slip, slip  # paid by their own co-op
    assert done.stdout.rstrip().endswith("nodes stopped"), printed
    assert processes_in(folder.resolve()) == []
    logs = "".join((folder / code / "serve.log").read_text() for code in COUNTRIES)
    assert "Traceback" not in logs


def test_ctrl_c_stops_every_node(tmp_path: Path) -> None:
    folder = (tmp_path / "demo").resolve()
    running = subprocess.Popen(
        demo_command(folder), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert running.stdout is not None
        seen = []
        for line in running.stdout:  # the demo prints a line per step and ends on its own
            seen.append(line)
            if line.startswith("peered:"):
                break
        assert seen and seen[-1].startswith("peered:"), "".join(seen)
        serving = [cmd for _, cmd in processes_in(folder) if " serve " in cmd]
        assert len(serving) == 3, serving
        running.send_signal(signal.SIGINT)
        rest, _ = running.communicate(timeout=120)
    finally:
        if running.poll() is None:
            running.kill()
            running.wait()
    assert running.returncode == 130, rest
    assert "demo interrupted" in rest and rest.rstrip().endswith("nodes stopped"), rest
    assert processes_in(folder) == []


class Ran:
    """A node whose ``coopnode reconcile`` printed ``stdout`` and exited with ``code``."""

    def __init__(self, folder: Path, code: int, stdout: str, stderr: str = "") -> None:
        self.code, self.folder, self.url = "BE", folder, "http://127.0.0.1:1"
        self.done = subprocess.CompletedProcess(["coopnode"], code, stdout, stderr)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.done


def test_a_reconciliation_line_counts_the_differences_of_both_comparisons(tmp_path: Path) -> None:
    from scripts.demo.settle import reconcile

    other = Ran(tmp_path, 0, "")
    other.code = "FR"
    balanced = Ran(tmp_path, 0, "reconciliation BE-FR: balanced\n")
    two = Ran(tmp_path, 1, "reconciliation BE-FR: 2 differences\n  a  amount  ours 1.00 …\n")
    late = Ran(tmp_path, 1, "", "coopnode: no clearing report from FR within 60 s\n")
    first = reconcile(balanced, other, "before")  # type: ignore[arg-type]
    assert (first.line(), first.balanced) == ("reconciliation BE-FR: balanced", True)
    both = first + reconcile(two, other, "after")  # type: ignore[arg-type]
    assert (both.line(), both.balanced) == ("reconciliation BE-FR: 2 differences", False)
    assert (tmp_path / "reconcile-BE-FR-after.txt").read_text().startswith("reconciliation")
    failed = reconcile(late, other, "after")  # type: ignore[arg-type]
    assert failed.line() == (
        "reconciliation BE-FR: not compared (coopnode: no clearing report from FR within 60 s)"
    )
    assert not (first + failed).balanced
