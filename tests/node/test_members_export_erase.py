"""A member's data rights: export everything, erase what the law does not make us keep."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from federation import envelope
from node.audit.models import AuditEntry
from node.chains.models import Chain, ChainAllocation, ChainContributor
from node.chains.views import allocations_of
from node.hosting.models import HostedMission, HostingRequest, HostingState
from node.identity.models import User
from node.members.models import Member
from node.postings.models import MemberPosting
from node.shares.models import ShareTransaction
from tests.node.chains.chain_helpers import chain_of
from tests.node.federation.fed_helpers import add_peer, fake_node
from tests.node.hosting.hosting_helpers import HOST as HOSTING_HOST
from tests.node.hosting.hosting_helpers import SUBJECT, hosted_mission_of, mission
from tests.node.member_helpers import IBANS, Crew, state_counts
from tests.node.postings.posting_helpers import HOST, posting_of

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


# -- cross-border records: postings, hosting, value chains ---------------------------------------


def _abroad(crew: Crew) -> tuple[dict[str, Any], dict[str, str], dict[str, int]]:
    """An active member with a posting, a hosting request sent home-side, a mission hosted here
    and a share in a value chain (with one allocation); their ids by kind."""
    record, headers = crew.member_login(status="active")
    posting = posting_of(crew, record)
    hosted = hosted_mission_of(crew, record)
    chain_id = chain_of(crew, record)
    host_id = add_peer(crew.node.db, fake_node(HOSTING_HOST))
    with crew.node.db.transaction() as session:
        request = HostingRequest(
            hosting=str(uuid.uuid4()),
            peer_id=host_id,
            host=HOSTING_HOST,
            member_id=record["id"],
            request_jti=envelope.new_message_id(),
            consent_jti=envelope.new_message_id(),
            home_member_ref=SUBJECT,
            start_on=date(2026, 3, 1),
            end_on=date(2026, 3, 31),
            mission=mission(),
            share_back=["days_worked"],
            state=HostingState.COMPLETED.value,
            guest_ref="guest-77",
            summary={"days_worked": 21},
            requested_by="staff",
        )
        session.add(request)
        contributor = session.scalars(
            select(ChainContributor).where(ChainContributor.chain_id == chain_id)
        ).one()
        session.add(
            ChainAllocation(
                uid=str(uuid.uuid4()),
                chain_id=chain_id,
                contributor_id=contributor.id,
                seq=1,
                basis="payment",
                direction="local",
                currency="EUR",
                gross_minor=100_000,
                amount_minor=100_000,
                cumulative_minor=100_000,
                occurred_on=date(2026, 3, 5),
            )
        )
        session.flush()
        ids = {"posting": posting, "request": request.id, "hosted": hosted, "chain": chain_id}
    return record, headers, ids


def test_the_export_lists_the_cross_border_records(crew: Crew, node) -> None:
    record, headers, ids = _abroad(crew)
    export = crew.client.get(f"{MEMBERS}/{record['id']}/export", headers=headers).json()
    abroad = export["cross_border"]
    (posting,) = abroad["postings"]
    assert (posting["id"], posting["a1_reference"]) == (ids["posting"], "BE-A1-2026-000123")
    assert posting["place_of_work"]["city"] == "Lille" and posting["host_node"] == HOST
    (request,) = abroad["hosting_requests"]
    assert (request["id"], request["summary"], request["guest_ref"]) == (
        ids["request"],
        {"days_worked": 21},
        "guest-77",
    )
    (hosted,) = abroad["hosted_missions"]
    assert (hosted["id"], hosted["member"]["name"]) == (ids["hosted"], record["name"])
    (chain,) = abroad["value_chains"]
    assert chain["chain"]["description"] == "Website for Atelier Nord"
    assert (chain["share"]["name"], chain["share"]["member_ref"]) == (
        record["name"],
        str(record["id"]),
    )
    assert [(a["seq"], a["amount"]) for a in chain["allocations"]] == [(1, "1000.00")]
    assert "postings.declare" in {e["action"] for e in export["audit"]}


def test_erasure_keeps_the_work_abroad_and_removes_the_personal_details(crew: Crew, node) -> None:
    record, _headers, ids = _abroad(crew)
    erased = crew.client.post(f"{MEMBERS}/{record['id']}/erase", headers=crew.admin)
    assert erased.status_code == 200, erased.text
    pseudonym = f"Erased member #{record['id']}"
    with node.db.reading() as session:
        posting = session.get_one(MemberPosting, ids["posting"])
        request = session.get_one(HostingRequest, ids["request"])
        hosted = session.get_one(HostedMission, ids["hosted"])
        chain = session.get_one(Chain, ids["chain"])
        (contributor,) = chain.contributors
        # Kept: where, when, under which law and for how much.
        assert (posting.host_country, posting.client_name, posting.hours_per_week) == (
            "FR",
            "Théâtre du Nord",
            "35",
        )
        assert posting.hourly_gross_minor == 1850 and posting.state == "notified"
        assert (request.start_on, request.state, request.mission["country"]) == (
            date(2026, 3, 1),
            "completed",
            "BE",
        )
        assert contributor.share_value == "100" and contributor.member_id == record["id"]
        assert len(allocations_of(session, chain)) == 1
        # Removed: the links to the member elsewhere, the A1, the place, descriptions, names.
        assert (posting.member_ref, posting.a1_reference, posting.place_address) == ("", "", "")
        assert (posting.place_city, posting.activity, posting.home_pay) == ("", None, {})
        assert (request.home_member_ref, request.guest_ref, request.summary) == ("", None, None)
        assert request.share_back == [] and "place_of_work" not in request.mission
        assert (hosted.home_member_ref, hosted.member_name, hosted.mission["description"]) == (
            "",
            None,
            "",
        )
        assert contributor.name == pseudonym
        assert [c["name"] for c in chain.proposal["contributors"]] == [pseudonym]
        stored = json.dumps(
            [
                [getattr(row, c.name) for c in type(row).__table__.columns]
                for row in (posting, request, hosted, chain, contributor)
            ],
            default=str,
        )
        changes = session.scalars(
            select(AuditEntry.changes).where(AuditEntry.action == "member.erase")
        ).one()
    for personal in (record["name"], "BE-A1-2026-000123", "Général de Gaulle", SUBJECT):
        assert personal not in stored
    assert "Sound engineering" not in stored and "Stage lighting" not in stored
    assert changes["cross_border"][1] == {
        "postings": 1,
        "hosting_requests": 1,
        "hosted_missions": 1,
        "value_chains": 1,
    }
