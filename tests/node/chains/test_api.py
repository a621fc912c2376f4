"""Who may call the value chain endpoints, and what a member sees of a chain."""

from __future__ import annotations

import json
from typing import Any

from node.cli.main import main
from node.identity.roles import Role
from node.web.api import spec_of
from tests.node.chains.chain_helpers import CHAINS, active_member, chain_of
from tests.node.member_helpers import Crew

STAFF = frozenset({Role.STAFF, Role.ADMIN})
ANY_USER = frozenset({Role.MEMBER, Role.STAFF, Role.ADMIN})
ONE = CHAINS + "/{chain_id:int}"


def declared(crew: Crew) -> dict[tuple[str, str], Any]:
    specs = [spec_of(route) for route in crew.client.app.routes]  # type: ignore[attr-defined]
    return {(s.method, s.path): s for s in specs if s is not None}


def test_staff_run_chains_and_members_read_their_own(crew: Crew) -> None:
    specs = declared(crew)
    assert specs[("POST", CHAINS)].roles == STAFF
    for action in ("invoice", "allocate", "default", "cancel"):
        assert specs[("POST", f"{ONE}/{action}")].roles == STAFF
    for decision in ("accept", "refuse"):
        path = f"{ONE}/contributors/{{contributor_id:int}}/{decision}"
        assert specs[("POST", path)].roles == STAFF
    for path in (CHAINS, ONE, ONE + "/allocations"):
        assert specs[("GET", path)].roles == ANY_USER
        assert specs[("GET", path)].own_records


def test_a_member_sees_the_chains_they_contribute_to_and_not_others(crew: Crew) -> None:
    record, headers = crew.member_login(status="active")
    other = active_member(crew)
    mine, theirs = chain_of(crew, record), chain_of(crew, other)
    listed = crew.client.get(CHAINS, headers=headers).json()
    assert [chain["id"] for chain in listed] == [mine]
    assert crew.client.get(f"{CHAINS}/{mine}", headers=headers).status_code == 200
    assert crew.client.get(f"{CHAINS}/{theirs}", headers=headers).status_code == 404
    assert crew.client.post(f"{CHAINS}/{mine}/cancel", headers=headers).status_code == 403
    staff_view = crew.client.get(CHAINS, headers=crew.staff).json()
    assert {chain["id"] for chain in staff_view} == {mine, theirs}


def test_a_consent_time_without_an_offset_is_refused(crew: Crew) -> None:
    record = active_member(crew)
    chain = crew.client.get(f"{CHAINS}/{chain_of(crew, record)}", headers=crew.staff).json()
    path = f"{CHAINS}/{chain['id']}/contributors/{chain['contributors'][0]['id']}/accept"
    response = crew.client.post(
        path, json={"consent_given_at": "2026-11-21T09:30:00"}, headers=crew.staff
    )
    assert response.status_code == 422, response.text
    after = crew.client.get(f"{CHAINS}/{chain['id']}", headers=crew.staff).json()
    assert after["contributors"][0]["decision"] == "pending"
    accepted = crew.client.post(path, json={}, headers=crew.staff)
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"


def test_the_command_line_lists_and_shows_chains(
    crew: Crew, settings: Any, monkeypatch: Any, capsys: Any
) -> None:
    monkeypatch.setenv("COOPNODE_CONFIG", str(settings.path))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    chain_id = chain_of(crew, active_member(crew))
    assert main(["chains", "list"]) == 0
    listed = capsys.readouterr().out.split("\t")
    assert listed[0] == str(chain_id) and listed[2:5] == ["lead", "proposed", "1000.00 EUR"]
    assert main(["chains", "show", str(chain_id)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["id"], shown["allocations"]) == (chain_id, [])
    assert main(["chains", "show", "999"]) == 2
    assert "no value chain 999" in capsys.readouterr().err
