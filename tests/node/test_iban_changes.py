"""Changing a member's IBAN: a second staff approval, a hold before payouts use it, a notification."""

from __future__ import annotations

import types
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from node.audit.models import AuditEntry
from node.members.iban_changes import IbanChange, effective_iban
from node.members.identifiers import Vault
from node.members.models import Member
from node.payouts.models import Payout
from node.runtime import Node
from plugins import hookimpl
from tests.node.member_helpers import IBANS, Crew, member_body
from tests.node.payouts.payout_helpers import ask, funded_activity

MEMBERS = "/api/v1/members"
CHANGES = "/api/v1/iban-changes"


def _other_staff(crew: Crew) -> dict[str, str]:
    return crew.accounts.session_headers(crew.accounts.user("staff"))


def _payout_iban(node: Node, payout_id: int) -> str:
    with node.db.reading() as session:
        row = session.get(Payout, payout_id)
        assert row is not None
        return node.cipher.decrypt(row.creditor_iban_encrypted)


def _request(crew: Crew, member_id: int, iban: str | None, headers: dict[str, str]) -> Any:
    response = crew.client.patch(f"{MEMBERS}/{member_id}", json={"iban": iban}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _recorder(node: Node) -> list[tuple[Any, bool]]:
    seen: list[tuple[Any, bool]] = []
    plugin = types.ModuleType("coop_toy_iban_recorder")
    plugin.COOPNODE_HOOK_API = 1  # type: ignore[attr-defined]

    @hookimpl
    def coop_on_iban_change_requested(event: Any) -> None:
        with node.db.reading() as session:
            row = session.get(IbanChange, event.change_id)
            committed = row is not None and (event.effective_at is None) == (
                row.approved_at is None
            )
        seen.append((event, committed))

    plugin.coop_on_iban_change_requested = coop_on_iban_change_requested  # type: ignore[attr-defined]
    node.plugins.register(plugin)
    return seen


def test_member_request_is_pending_and_payouts_keep_the_old_iban(crew: Crew, node: Node) -> None:
    activity_id, member, headers = funded_activity(crew)
    record = _request(crew, member["id"], IBANS[2], headers)
    assert record["iban"] == IBANS[0]  # the member sees their own record in full: unchanged
    pending = record["pending_iban_change"]
    assert pending["status"] == "pending" and pending["iban"].startswith("DE••")
    assert IBANS[2] not in str(pending)
    assert node.cipher.decrypt(crew.member(member["id"]).iban_encrypted) == IBANS[0]
    staff_view = crew.client.get(f"{MEMBERS}/{member['id']}", headers=crew.staff).json()
    assert staff_view["pending_iban_change"]["id"] == pending["id"]
    listed = crew.client.get(f"{CHANGES}?status=pending", headers=crew.staff).json()["items"]
    assert [c["id"] for c in listed] == [pending["id"]]
    assert crew.client.get(CHANGES, headers=headers).status_code == 403  # staff only
    paid = ask(crew, activity_id, "10.00")
    assert paid.status_code == 201, paid.text
    assert _payout_iban(node, paid.json()["id"]) == IBANS[0]
    with node.db.reading() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "member.iban_change.request")
        ).one()
        assert entry.entity_id == str(member["id"]) and IBANS[2] not in str(entry.changes)


def test_approval_by_other_staff_takes_effect_after_the_hold(crew: Crew, node: Node) -> None:
    activity_id, member, _headers = funded_activity(crew)
    change = _request(crew, member["id"], IBANS[1], crew.staff)["pending_iban_change"]
    url = f"{CHANGES}/{change['id']}/approve"
    refused = crew.client.post(url, headers=crew.staff)  # the requester
    assert refused.status_code == 403, refused.text
    other = _other_staff(crew)
    approved = crew.client.post(url, headers=other)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved" and body["approved_by"] != change["requested_by"]
    assert crew.client.post(url, headers=other).status_code == 409  # twice
    # still the old IBAN right after the approval, for the record and for payouts
    assert node.cipher.decrypt(crew.member(member["id"]).iban_encrypted) == IBANS[0]
    first = ask(crew, activity_id, "10.00")
    assert _payout_iban(node, first.json()["id"]) == IBANS[0]
    hold = timedelta(hours=node.settings["payouts.iban_change_hold_hours"])
    vault = Vault.from_settings(node.settings, node.cipher)
    with node.db.transaction() as session:
        row = session.get(IbanChange, change["id"])
        assert row is not None and row.approved_at is not None and row.effective_at is not None
        assert row.effective_at == row.approved_at + hold
        due = row.effective_at
        db_member = session.get(Member, member["id"])
        assert db_member is not None
        assert effective_iban(session, vault, db_member, due - timedelta(minutes=1)) == IBANS[0]
        assert effective_iban(session, vault, db_member, due) == IBANS[1]
    assert node.cipher.decrypt(crew.member(member["id"]).iban_encrypted) == IBANS[1]
    state = crew.client.get(f"{CHANGES}?status=applied", headers=crew.staff).json()["items"]
    assert [c["id"] for c in state] == [change["id"]]
    later = ask(crew, activity_id, "10.00")
    assert _payout_iban(node, later.json()["id"]) == IBANS[1]
    with node.db.reading() as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity_id == str(member["id"]))
            .order_by(AuditEntry.id)
        ).all()
        assert {"member.iban_change.request", "member.iban_change.approve"} <= set(actions)
        assert actions[-1] == "member.update"


def test_payout_applies_a_due_change_itself(crew: Crew, node: Node) -> None:
    activity_id, member, headers = funded_activity(crew)
    change = _request(crew, member["id"], IBANS[1], headers)["pending_iban_change"]
    crew.client.post(f"{CHANGES}/{change['id']}/approve", headers=crew.staff)
    with node.db.transaction() as session:  # move the hold into the past
        row = session.get(IbanChange, change["id"])
        assert row is not None and row.effective_at is not None
        row.effective_at -= timedelta(days=30)
    paid = ask(crew, activity_id, "10.00")
    assert paid.status_code == 201, paid.text
    assert _payout_iban(node, paid.json()["id"]) == IBANS[1]
    assert node.cipher.decrypt(crew.member(member["id"]).iban_encrypted) == IBANS[1]


def test_the_member_concerned_cannot_approve(crew: Crew, node: Node) -> None:
    account = crew.accounts.user("staff")
    record = crew.create_member(user_id=account.id)
    change = _request(crew, record["id"], IBANS[1], crew.staff)["pending_iban_change"]
    own = crew.accounts.session_headers(account)
    refused = crew.client.post(f"{CHANGES}/{change['id']}/approve", headers=own)
    assert refused.status_code == 403, refused.text
    assert crew.client.post(f"{CHANGES}/999/approve", headers=crew.admin).status_code == 404


def test_cancel_and_supersede(crew: Crew, node: Node) -> None:
    record = crew.create_member()
    first = _request(crew, record["id"], IBANS[1], crew.staff)["pending_iban_change"]
    second = _request(crew, record["id"], IBANS[2], crew.staff)["pending_iban_change"]
    assert second["id"] != first["id"]
    cancelled = crew.client.get(f"{CHANGES}?status=cancelled", headers=crew.staff).json()
    assert [c["id"] for c in cancelled["items"]] == [first["id"]]
    response = crew.client.post(f"{CHANGES}/{second['id']}/cancel", headers=crew.staff)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    late = crew.client.post(f"{CHANGES}/{second['id']}/approve", headers=_other_staff(crew))
    assert late.status_code == 409
    assert (
        crew.client.get(f"{MEMBERS}/{record['id']}", headers=crew.staff).json()[
            "pending_iban_change"
        ]
        is None
    )
    assert node.cipher.decrypt(crew.member(record["id"]).iban_encrypted) == IBANS[0]
    third = _request(crew, record["id"], None, crew.staff)["pending_iban_change"]  # removal
    assert third["iban"] is None and third["status"] == "pending"
    same = _request(crew, record["id"], IBANS[0], crew.staff)  # back to the IBAN on file
    assert same["pending_iban_change"] is None


def test_invalid_new_iban_is_refused(crew: Crew, node: Node) -> None:
    record = crew.create_member()
    response = crew.client.patch(
        f"{MEMBERS}/{record['id']}", json={"iban": "BE68539007547035"}, headers=crew.staff
    )
    assert response.status_code == 422
    assert {e["code"] for e in response.json()["errors"]} == {"invalid_iban"}
    with node.db.reading() as session:
        assert session.scalars(select(IbanChange)).first() is None


def test_first_iban_is_immediate(crew: Crew, node: Node) -> None:
    response = crew.client.post(MEMBERS, json=member_body(iban=None), headers=crew.staff)
    record = response.json()
    assert record["iban"] is None
    seen = _recorder(node)
    updated = _request(crew, record["id"], IBANS[1], crew.staff)
    assert updated["iban"].startswith("FR••") and updated["pending_iban_change"] is None
    assert node.cipher.decrypt(crew.member(record["id"]).iban_encrypted) == IBANS[1]
    assert seen == []


def test_erasure_drops_requested_ibans(crew: Crew, node: Node) -> None:
    record = crew.create_member()
    _request(crew, record["id"], IBANS[1], crew.staff)
    erased = crew.client.post(f"{MEMBERS}/{record['id']}/erase", headers=crew.admin)
    assert erased.status_code == 200, erased.text
    with node.db.reading() as session:
        row = session.scalars(select(IbanChange)).one()
        assert row.new_iban_encrypted is None and row.cancelled_at is not None


def test_hook_coop_on_iban_change_requested(crew: Crew, node: Node) -> None:
    """Called after the request commits (no effective date) and after the approval commits (with
    it); never for a refused request; the event holds the new IBAN masked only."""
    seen = _recorder(node)
    _activity_id, member, headers = funded_activity(crew)
    crew.client.patch(f"{MEMBERS}/{member['id']}", json={"iban": "XX00"}, headers=headers)
    assert seen == []
    change = _request(crew, member["id"], IBANS[2], headers)["pending_iban_change"]
    assert len(seen) == 1
    event, committed = seen[0]
    assert committed
    assert event.member_id == member["id"] and event.change_id == change["id"]
    assert event.new_iban_masked == change["iban"] and IBANS[2] not in repr(event)
    assert event.effective_at is None and event.at.tzinfo is not None
    crew.client.post(f"{CHANGES}/{change['id']}/approve", headers=crew.staff)
    assert len(seen) == 2
    approved, committed = seen[1]
    assert committed and approved.effective_at is not None and approved.effective_at > event.at
    with pytest.raises(AttributeError):
        event.member_id = 0
