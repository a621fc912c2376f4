"""Member onboarding and upkeep through the API: validation, protection of identifiers, statuses."""

from __future__ import annotations

import json
import types
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from node.audit.models import AuditEntry
from node.members.models import Member
from plugins import hookimpl
from tests.node.member_helpers import (
    DE_IDNR,
    FR_NIR,
    IBANS,
    Crew,
    event_recorder,
    member_body,
    state_counts,
)

MEMBERS = "/api/v1/members"


def _fields(response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def test_create_member_masks_and_encrypts_identifiers(crew: Crew, node) -> None:
    record = crew.create_member(national_id="85.07.30-033.28", iban="BE68 5390 0754 7034")
    assert record["status"] == "applicant" and record["kind"] == "worker"
    assert record["national_id"] == "•••••••3328"
    assert record["iban"] == "BE•• •••• •••• 7034"
    assert record["joined_on"] is None
    member = crew.member(record["id"])
    assert "85073003328" not in (member.national_id_encrypted or "")
    assert node.cipher.decrypt(member.national_id_encrypted) == "85073003328"
    assert node.cipher.decrypt(member.iban_encrypted) == "BE68539007547034"
    assert member.national_id_hash and len(member.national_id_hash) == 64
    with node.db.reading() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "member.create")
        ).one()
        assert entry.entity_id == str(record["id"]) and entry.actor.startswith("user:")
        text = json.dumps(entry.changes)
        for secret in ("85073003328", "BE68539007547034", record["name"], record["email"]):
            assert secret not in text
        assert entry.changes["national_id"] == [None, "***"]


def test_every_bad_field_is_named_and_nothing_changes(crew: Crew, node) -> None:
    before = state_counts(node, Member)
    body = member_body(
        email="not-an-email",
        home_country="XX",
        language="es",
        national_id="85073003329",
        iban="BE68539007547035",
        nickname="x",
    )
    response = crew.client.post(MEMBERS, json=body, headers=crew.staff)
    fields = _fields(response)
    assert {"email", "home_country", "language", "nickname"} <= set(fields)
    assert fields["nickname"] == "unknown_field"
    assert state_counts(node, Member) == before


def test_identifiers_are_checked_by_libraries(crew: Crew, node) -> None:
    before = state_counts(node, Member)
    response = crew.client.post(
        MEMBERS,
        json=member_body(national_id="85073003329", iban="BE68539007547035"),
        headers=crew.staff,
    )
    fields = _fields(response)
    assert fields == {"national_id": "invalid_checksum", "iban": "invalid_iban"}
    assert "checksum" in response.json()["errors"][0]["message"]
    assert state_counts(node, Member) == before


def test_national_id_rules_by_home_country(crew: Crew) -> None:
    missing = crew.client.post(MEMBERS, json=member_body(national_id=None), headers=crew.staff)
    assert _fields(missing) == {"national_id": "required"}
    # No plugin for Poland: a national id cannot be checked, so it is refused and not required.
    polish = crew.client.post(
        MEMBERS, json=member_body(home_country="PL", national_id="44051401359"), headers=crew.staff
    )
    assert _fields(polish) == {"national_id": "unsupported_country"}
    assert "cannot be validated" in polish.json()["errors"][0]["message"]
    assert crew.create_member(home_country="PL", national_id=None)["national_id"] is None
    assert crew.create_member(home_country="FR", national_id=FR_NIR)["home_country"] == "FR"
    assert crew.create_member(home_country="DE", national_id=DE_IDNR)["national_id"].endswith(
        "1809"
    )


def test_duplicates_conflict(crew: Crew, node) -> None:
    first = crew.create_member()
    before = state_counts(node, Member)
    same_email = crew.client.post(
        MEMBERS, json=member_body(email=first["email"].upper()), headers=crew.staff
    )
    assert same_email.status_code == 409 and same_email.json()["field"] == "email"
    member = crew.member(first["id"])
    national_id = node.cipher.decrypt(member.national_id_encrypted)
    same_id = crew.client.post(
        MEMBERS, json=member_body(national_id=national_id), headers=crew.staff
    )
    assert same_id.status_code == 409 and same_id.json()["field"] == "national_id"
    assert state_counts(node, Member) == before


def test_guests_name_their_home_node(crew: Crew) -> None:
    no_url = crew.client.post(
        MEMBERS, json=member_body(status="guest", national_id=None), headers=crew.staff
    )
    assert _fields(no_url) == {"home_node_url": "required"}
    plain_http = crew.client.post(
        MEMBERS,
        json=member_body(status="guest", home_node_url="http://coop.example.org"),
        headers=crew.staff,
    )
    assert _fields(plain_http) == {"home_node_url": "invalid_url"}
    not_guest = crew.client.post(
        MEMBERS, json=member_body(home_node_url="https://smart.example.fr"), headers=crew.staff
    )
    assert _fields(not_guest) == {"home_node_url": "not_allowed"}
    guest = crew.create_member(
        status="guest", national_id=None, home_node_url="https://smart.example.fr/"
    )
    assert guest["home_node_url"] == "https://smart.example.fr"
    assert guest["joined_on"] == date.today().isoformat()


def test_list_is_paginated_filtered_and_masked(crew: Crew) -> None:
    for _ in range(3):
        crew.create_member()
    crew.create_member(status="active", joined_on="2024-01-15")
    page = crew.client.get(MEMBERS, params={"limit": 2, "offset": 1}, headers=crew.staff).json()
    assert page["total"] == 4 and len(page["items"]) == 2 and page["offset"] == 1
    active = crew.client.get(MEMBERS, params={"status": "active"}, headers=crew.staff).json()
    assert [m["joined_on"] for m in active["items"]] == ["2024-01-15"]
    assert all("•" in m["national_id"] and "•" in m["iban"] for m in page["items"])
    bad = crew.client.get(
        MEMBERS, params={"limit": 0, "status": "gone", "x": 1}, headers=crew.staff
    )
    assert set(_fields(bad)) == {"query.limit", "query.status", "query.x"}


def test_members_cannot_list_members(crew: Crew) -> None:
    _record, headers = crew.member_login()
    assert crew.client.get(MEMBERS, headers=headers).status_code == 403
    assert crew.client.get(MEMBERS).status_code == 401


def test_staff_reveal_is_audited(crew: Crew, node) -> None:
    record = crew.create_member(iban=IBANS[1])
    url = f"{MEMBERS}/{record['id']}"
    masked = crew.client.get(url, headers=crew.staff).json()
    assert masked["identifiers"] == "masked" and masked["iban"].startswith("FR••")
    before = state_counts(node)
    full = crew.client.get(url, params={"reveal": "true"}, headers=crew.staff).json()
    assert full["iban"] == IBANS[1] and full["identifiers"] == "full"
    stored = crew.member(record["id"]).national_id_encrypted
    assert full["national_id"] == node.cipher.decrypt(stored)
    assert state_counts(node)["audit_log"] == before["audit_log"] + 1
    with node.db.reading() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "member.reveal")
        ).one()
        assert entry.entity_id == str(record["id"])


def test_member_reads_and_changes_only_their_own_fields(crew: Crew, node) -> None:
    record, headers = crew.member_login()
    url = f"{MEMBERS}/{record['id']}"
    own = crew.client.get(url, headers=headers).json()
    assert own["identifiers"] == "full" and own["iban"] == IBANS[0]
    assert crew.client.get(f"{MEMBERS}/me", headers=headers).json()["id"] == record["id"]
    changed = crew.client.patch(url, json={"language": "nl", "iban": IBANS[2]}, headers=headers)
    assert changed.status_code == 200, changed.text
    # the language changes at once; the IBAN on file only gets a pending change (second approval)
    assert changed.json()["iban"] == IBANS[0] and changed.json()["language"] == "nl"
    pending = changed.json()["pending_iban_change"]
    assert pending["status"] == "pending" and pending["iban"] == "DE•• •••• •••• •••• ••30 00"
    assert crew.client.get(url, headers=headers).json()["pending_iban_change"] == pending
    before = state_counts(node, Member)
    refused = crew.client.patch(
        url, json={"name": "Someone else", "kind": "supporter", "language": "de"}, headers=headers
    )
    assert _fields(refused) == {"name": "read_only", "kind": "read_only"}
    assert state_counts(node, Member) == before
    assert crew.member(record["id"]).language == "nl"


def test_staff_update_revalidates_the_whole_record(crew: Crew, node) -> None:
    record = crew.create_member()
    url = f"{MEMBERS}/{record['id']}"
    before = state_counts(node, Member)
    moved = crew.client.patch(url, json={"home_country": "FR"}, headers=crew.staff)
    assert _fields(moved) == {"national_id": "invalid_length"}
    assert "new home country" in moved.json()["errors"][0]["message"]
    assert state_counts(node, Member) == before
    assert crew.member(record["id"]).home_country == "BE"
    ok = crew.client.patch(
        url,
        json={"home_country": "FR", "national_id": FR_NIR, "name": "  Renamed  "},
        headers=crew.staff,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["name"] == "Renamed" and ok.json()["national_id"].endswith("1193")
    empty = crew.client.patch(url, json={}, headers=crew.staff)
    assert empty.status_code == 422
    cleared = crew.client.patch(url, json={"national_id": None}, headers=crew.staff)
    assert _fields(cleared) == {"national_id": "required"}
    nobody = crew.client.patch(url, json={"user_id": 999999}, headers=crew.staff)
    assert _fields(nobody) == {"user_id": "not_found"}


def test_status_transitions(crew: Crew, node) -> None:
    record = crew.create_member()
    url = f"{MEMBERS}/{record['id']}/status"
    future = (date.today() + timedelta(days=2)).isoformat()
    assert _fields(
        crew.client.post(url, json={"status": "active", "on": future}, headers=crew.staff)
    ) == {"on": "future_date"}
    active = crew.client.post(
        url, json={"status": "active", "on": "2025-03-01"}, headers=crew.staff
    )
    assert active.status_code == 200 and active.json()["joined_on"] == "2025-03-01"
    before = state_counts(node, Member)
    back = crew.client.post(url, json={"status": "applicant"}, headers=crew.staff)
    assert back.status_code == 409 and set(back.json()["allowed"]) == {"suspended", "left"}
    assert state_counts(node, Member) == before
    suspended = crew.client.post(url, json={"status": "suspended"}, headers=crew.staff)
    assert suspended.status_code == 200
    early = crew.client.post(url, json={"status": "left", "on": "2025-01-01"}, headers=crew.staff)
    assert _fields(early) == {"on": "invalid"}
    left = crew.client.post(url, json={"status": "left"}, headers=crew.staff).json()
    assert left["status"] == "left" and left["left_on"] == date.today().isoformat()
    final = crew.client.post(url, json={"status": "active"}, headers=crew.staff)
    assert final.status_code == 409
    guest = crew.create_member(
        status="guest", national_id=None, home_node_url="https://coop.example.de"
    )
    assert (
        crew.client.post(
            f"{MEMBERS}/{guest['id']}/status", json={"status": "active"}, headers=crew.staff
        ).status_code
        == 409
    )
    _record, member_headers = crew.member_login()
    assert crew.client.post(url, json={"status": "left"}, headers=member_headers).status_code == 403


def test_applicants_have_not_joined(crew: Crew) -> None:
    response = crew.client.post(
        MEMBERS, json=member_body(joined_on="2024-01-01"), headers=crew.staff
    )
    assert _fields(response) == {"joined_on": "not_allowed"}


def test_out_of_range_ids_are_simply_absent(crew: Crew) -> None:
    for member_id in (0, 2**31, 10**30):
        response = crew.client.get(f"{MEMBERS}/{member_id}", headers=crew.staff)
        assert response.status_code == 404, response.text


def test_hook_coop_on_member_joined(crew: Crew, node) -> None:
    """Called once the creation commits, with a frozen snapshot; never for a refused request."""
    seen = event_recorder(node)
    crew.client.post(MEMBERS, json=member_body(national_id="1"), headers=crew.staff)
    first = crew.create_member()
    crew.client.post(MEMBERS, json=member_body(email=first["email"]), headers=crew.staff)
    assert [(name, committed) for name, _event, committed in seen] == [("member_joined", True)]
    event = seen[0][1]
    assert event.member_id == first["id"] and event.home_country == "BE"
    assert event.status == "applicant" and event.at.tzinfo is not None
    assert not hasattr(event, "national_id") and not hasattr(event, "iban")
    with pytest.raises(AttributeError):
        event.status = "active"


def test_a_failing_hook_does_not_undo_the_member(crew: Crew, node, caplog) -> None:
    plugin = types.ModuleType("coop_toy_failing_hook")
    plugin.COOPNODE_HOOK_API = 1

    @hookimpl
    def coop_on_member_joined(event) -> None:
        raise RuntimeError("plugin bug")

    plugin.coop_on_member_joined = coop_on_member_joined
    node.plugins.register(plugin)
    record = crew.create_member()
    assert crew.member(record["id"]).name == record["name"]
    assert "event hook failed" in caplog.text
