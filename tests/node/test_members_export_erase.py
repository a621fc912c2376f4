"""A member's data rights: export everything, erase what the law does not make us keep."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from node.audit.models import AuditEntry
from node.identity.models import User
from node.members.models import Member
from node.shares.models import ShareTransaction
from tests.node.member_helpers import IBANS, Crew, state_counts

MEMBERS = "/api/v1/members"


def test_member_exports_their_data(crew: Crew, node) -> None:
    record, headers = crew.member_login(status="active", iban=IBANS[2])
    assert crew.subscribe(record["id"], 2).status_code == 201
    response = crew.client.get(f"{MEMBERS}/{record['id']}/export", headers=headers)
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    export = response.json()
    assert export["format"] == "coopnode.member-export/1"
    assert export["member"]["iban"] == IBANS[2]
    stored = crew.member(record["id"]).national_id_encrypted
    assert export["member"]["national_id"] == node.cipher.decrypt(stored)
    assert export["shares"]["holdings"]["A"]["count"] == 2
    assert [e["action"] for e in export["audit"]] == ["member.create", "shares.subscription"]
    staff_export = crew.client.get(f"{MEMBERS}/{record['id']}/export", headers=crew.staff)
    assert staff_export.status_code == 200
    with node.db.reading() as session:
        exports = session.scalars(
            select(AuditEntry.actor).where(AuditEntry.action == "member.export")
        ).all()
    assert len(exports) == 2


def test_erasure_waits_for_redemption_then_pseudonymises(crew: Crew, node) -> None:
    record, headers = crew.member_login(status="active")
    member_id = record["id"]
    national_id = node.cipher.decrypt(crew.member(member_id).national_id_encrypted)
    assert crew.subscribe(member_id, 2, on="2025-01-02").status_code == 201
    erase = f"{MEMBERS}/{member_id}/erase"
    assert crew.client.post(erase, headers=crew.staff).status_code == 403
    before = state_counts(node, Member, ShareTransaction)
    refused = crew.client.post(erase, headers=crew.admin)
    assert refused.status_code == 409 and refused.json()["holdings"] == {"A": 2, "B": 0}
    assert state_counts(node, Member, ShareTransaction) == before
    assert (
        crew.client.post(
            f"{MEMBERS}/{member_id}/status", json={"status": "left"}, headers=crew.staff
        ).status_code
        == 200
    )
    assert crew.redeem(member_id, 2).status_code == 201

    erased = crew.client.post(erase, headers=crew.admin)
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["name"] == f"Erased member #{member_id}" and body["erased"] is True
    assert body["email"].endswith("@erased.invalid") and body["status"] == "left"
    assert body["national_id"] is None and body["iban"] is None and body["user_id"] is None
    assert body["language"] == record["language"] and body["left_on"] == date.today().isoformat()

    # The login is closed at once; the share history stays, under the pseudonym.
    assert crew.client.get(f"{MEMBERS}/me", headers=headers).status_code == 401
    with node.db.reading() as session:
        user = session.get(User, record["user_id"])
        assert user is not None and not user.is_active and "erased" in user.email
        assert user.totp_secret is None
        movements = session.scalars(
            select(ShareTransaction).where(ShareTransaction.member_id == member_id)
        ).all()
        assert [m.count for m in movements] == [2, 2]
        # The whole trail (the login's own entries included) keeps no personal value.
        trail = json.dumps([e.changes for e in session.scalars(select(AuditEntry)).all()])
    for personal in (record["name"], record["email"], national_id, IBANS[0]):
        assert personal not in trail
    past = crew.client.get(
        "/api/v1/shares/register", params={"on": "2025-01-02"}, headers=crew.staff
    ).json()
    assert past["holders"][0]["name"] == f"Erased member #{member_id}"

    # The record is closed; the national id is free for a new record.
    again = crew.client.post(erase, headers=crew.admin)
    assert again.status_code == 409
    change = crew.client.patch(
        f"{MEMBERS}/{member_id}", json={"language": "en"}, headers=crew.staff
    )
    assert change.status_code == 409
    assert crew.create_member(national_id=national_id)["id"] != member_id
