"""``python -m scripts.demo [--dir DIR]``: the demo, one line per step (see scripts/demo/__init__).

Exit code 0 only when every pair of nodes reconciles balanced; 1 when a pair does not, or a
step fails (its one-line reason and the nodes' log files are printed); 130 on Ctrl-C. The nodes
are stopped in every case.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import httpx

from scripts.demo.nodes import Api, DemoError, Node, running
from scripts.demo.peering import peer
from scripts.demo.people import Payslip
from scripts.demo.settle import Reconciliation, reconcile, settle
from scripts.demo.work import BE_BANK_ACCOUNT, chain, hosting, posting

DEFAULT_DIR = Path("var/demo")
# Each co-op's configuration (coopnode init writes the rest). Example numbers, valid by their
# country's rules: Belgium's enterprise number and VAT number, a German Betriebsnummer.
SETTINGS = {
    "BE": {
        "COOPNODE_LEGAL_ENTITY_NUMBER": "0403019261",
        "COOPNODE_VAT_NUMBER": "BE0403019261",
        "COOPNODE_PAYOUT_DEBTOR_IBAN": BE_BANK_ACCOUNT,
    },
    "FR": {
        "COOPNODE_LEGAL_ENTITY_NUMBER": "73282932000074",  # a SIRET: the DPAE names it
        "COOPNODE_VAT_NUMBER": "FR44732829320",
        "COOPNODE_PAYOUT_DEBTOR_IBAN": "FR7630006000011234567890189",
    },
    "DE": {
        "COOPNODE_EMPLOYER_SOCIAL_SECURITY_ID": "12345678",
        "COOPNODE_PAYOUT_DEBTOR_IBAN": "DE02120300000000202051",
    },
}
NAMES = {"BE": "Coop BE", "FR": "Coop FR", "DE": "Coop DE"}


def say(line: str) -> None:
    print(line, flush=True)


def _terminated(signum: int, frame: object) -> NoReturn:
    raise SystemExit(128 + signum)  # unwinds through `running`, which stops the nodes


def scenario(nodes: dict[str, Node], admins: dict[str, Api]) -> list[Reconciliation]:
    be, fr, de = nodes["BE"], nodes["FR"], nodes["DE"]
    pairs = [(be, fr), (be, de), (fr, de)]
    say("nodes: " + ", ".join(f"{n.code} {n.url}" for n in nodes.values()))
    for a, b in pairs:
        peer(a, b, admins)
    say("peered: BE-FR, BE-DE, FR-DE (fingerprints compared out of band)")
    slips: list[Payslip] = [posting(be, fr, admins, say), hosting(fr, de, admins, say)]
    slips += chain(nodes, admins, say)
    before = [reconcile(a, b, "before") for a, b in pairs]  # the mirror rule, item by item
    for a, b in pairs:
        settle(a, b, admins, say)
    say("payslips:")
    for slip in slips:
        say(slip.line())
    results = [
        first + reconcile(a, b, "after") for first, (a, b) in zip(before, pairs, strict=True)
    ]
    for result in results:
        say(result.line())
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="the nodes' folder (emptied)")
    folder = parser.parse_args(argv).dir.resolve()
    shutil.rmtree(folder, ignore_errors=True)
    signal.signal(signal.SIGTERM, _terminated)
    nodes = {
        code: Node(code, NAMES[code], folder / code.lower(), SETTINGS[code]) for code in SETTINGS
    }
    say(f"demo: three nodes on 127.0.0.1, folders and logs under {folder}")
    try:
        with running(list(nodes.values())) as admins:
            results = scenario(nodes, admins)
    except (DemoError, httpx.HTTPError, subprocess.TimeoutExpired) as exc:
        say(f"demo failed: {exc}")
        say("node logs: " + " ".join(str(node.log) for node in nodes.values()))
        return 1
    except KeyboardInterrupt:
        say("demo interrupted")
        return 130
    finally:
        say("nodes stopped")
    return 0 if all(r.balanced for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
