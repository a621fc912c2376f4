"""Settlement and reconciliation between two nodes (docs/settlement.md): ``coopnode settle``
nets the clearing items both ways into a statement the peer confirms; the payer pays the net
through its payout path (payout, pain.001 batch sent, the bank's debit) and the payee records
the credit; ``coopnode reconcile`` then compares both sides' items to the cent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from scripts.demo.nodes import Api, Node, wait_for
from scripts.demo.work import Say

SETTLEMENTS = "/api/v1/admin/settlements"
RECONCILE_SECONDS = 60
NOTHING = "Nothing to settle"  # what `coopnode settle` says when no item is open


def _statement(api: Api, uid: str, *states: str) -> dict[str, Any] | None:
    for row in api.get(SETTLEMENTS):
        if row["uid"] == uid and row["state"] in states:
            return dict(row)
    return None


def _pay(payer: Api, statement: dict[str, Any], today: str) -> dict[str, Any]:
    """The payer's staff pay the net: a settlement payout, its pain.001 batch sent to the bank,
    and the bank's debit of it."""
    paying = payer.post(f"{SETTLEMENTS}/{statement['id']}/pay", {})
    batch = payer.post("/api/v1/payment-batches", {"execution_date": today}, expect=201)
    payer.post(f"/api/v1/payment-batches/{batch['id']}/sent")
    payer.post(f"/api/v1/payouts/{paying['payout_id']}/paid", {"paid_on": today})
    return dict(paying)


def settle(a: Node, b: Node, admins: dict[str, Api], say: Say) -> None:
    """``a`` settles with ``b``: every statement confirmed, paid and closed on both sides."""
    printed = a.coopnode("settle", b.url)
    if printed.startswith(NOTHING):
        say(f"settlement {a.code}-{b.code}: no clearing items, nothing to settle")
        return
    today = date.today().isoformat()
    for line in printed.strip().splitlines():
        uid = line.split("\t")[1]
        mine = wait_for(
            f"{b.code} answering {a.code}'s statement",
            partial(_statement, admins[a.code], uid, "confirmed", "closed"),
        )
        if mine["state"] == "closed":  # the two directions cancel out
            say(f"settlement {a.code}-{b.code}: netted to zero")
            continue
        payer, payee = (a, b) if mine["payer"] == a.url else (b, a)
        owed = wait_for(
            f"{payer.code} holding the confirmed statement",
            partial(_statement, admins[payer.code], uid, "confirmed"),
        )
        _pay(admins[payer.code], owed, today)
        paid = wait_for(
            f"{payee.code} learning of the transfer",
            partial(_statement, admins[payee.code], uid, "paid"),
        )
        admins[payee.code].post(f"{SETTLEMENTS}/{paid['id']}/received", {"received_on": today})
        say(
            f"settlement {a.code}-{b.code}: {payer.code} paid {payee.code} "
            f"{owed['net']} {owed['currency']} (confirmed, pain.001, received; closed)"
        )


@dataclass(frozen=True)
class Reconciliation:
    pair: str
    differences: int
    failure: str | None = None  # why the two sides could not be compared

    @property
    def balanced(self) -> bool:
        return self.failure is None and self.differences == 0

    def line(self) -> str:
        if self.failure is not None:
            outcome = f"not compared ({self.failure})"
        elif self.differences:
            plural = "" if self.differences == 1 else "s"
            outcome = f"{self.differences} difference{plural}"
        else:
            outcome = "balanced"
        return f"reconciliation {self.pair}: {outcome}"

    def __add__(self, other: Reconciliation) -> Reconciliation:
        return Reconciliation(
            self.pair, self.differences + other.differences, self.failure or other.failure
        )


def reconcile(a: Node, b: Node, stage: str) -> Reconciliation:
    """``coopnode reconcile`` at ``a`` with ``b``. Its full output (every differing item) is
    kept in ``a``'s folder as ``reconcile-<pair>-<stage>.txt``; the demo names the pair in its
    own order (BE, FR, DE) where the command sorts the countries."""
    pair = f"{a.code}-{b.code}"
    done = a.run("reconcile", b.url, "--timeout", str(RECONCILE_SECONDS))
    (a.folder / f"reconcile-{pair}-{stage}.txt").write_text(done.stdout + done.stderr)
    summary = done.stdout.strip().splitlines()[:1]
    if done.returncode not in (0, 1) or not summary or ": " not in summary[0]:
        said = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return Reconciliation(pair, 0, said)
    outcome = summary[0].rsplit(": ", 1)[1]
    if outcome == "balanced" and done.returncode == 0:
        return Reconciliation(pair, 0)
    counted = outcome.split()[0]
    return Reconciliation(pair, max(1, int(counted)) if counted.isdigit() else 1)
