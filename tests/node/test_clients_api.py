"""Clients through the API: identifiers checked per country, archive instead of delete, events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from node.audit.models import AuditEntry
from node.clients.models import Client
from tests.node.member_helpers import BE_COMPANY, BE_VAT, FR_VAT, Crew, event_recorder, state_counts

CLIENTS = "/api/v1/clients"
ADDRESS = {"street": "Rue Royale 1", "postcode": "1000", "city": "Bruxelles"}


def body(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "company",
        "name": "Atelier SA",
        "country": "BE",
        "vat_number": "0403019261",
        "billing_address": ADDRESS,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _create(crew: Crew, **overrides: Any) -> dict[str, Any]:
    response = crew.client.post(CLIENTS, json=body(**overrides), headers=crew.staff)
    assert response.status_code == 201, response.text
    return response.json()


def _errors(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def test_hook_coop_on_client_created(crew: Crew, node) -> None:
    """Called once the creation commits; never for a refused or conflicting request."""
    seen = event_recorder(node)
    crew.client.post(CLIENTS, json=body(vat_number="BE0403019262"), headers=crew.staff)
    created = _create(crew)
    crew.client.post(CLIENTS, json=body(), headers=crew.staff)  # duplicate VAT number: 409
    assert [(name, committed) for name, _e, committed in seen] == [("client_created", True)]
    event = seen[0][1]
    assert (event.client_id, event.kind, event.country) == (created["id"], "company", "BE")


def test_create_company_normalises_identifiers(crew: Crew, node) -> None:
    seen = event_recorder(node)
    created = _create(crew, company_id="0403.019.261", email="ap@atelier.example")
    assert created["vat_number"] == BE_VAT and created["company_id"] == BE_COMPANY
    assert created["billing_address"] == {**ADDRESS, "country": "BE"}
    assert created["archived"] is False
    assert [(name, committed) for name, _e, committed in seen] == [("client_created", True)]
    assert seen[0][1].vat_number == BE_VAT and seen[0][1].client_id == created["id"]
    with node.db.reading() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "client"))
        assert list(actions) == ["client.create"]


def test_vat_rules_by_kind_and_country(crew: Crew, node) -> None:
    seen = event_recorder(node)
    before = state_counts(node, Client)
    assert _errors(crew.client.post(CLIENTS, json=body(vat_number=None), headers=crew.staff)) == {
        "vat_number": "required"
    }
    assert _errors(
        crew.client.post(CLIENTS, json=body(vat_number="BE0403019262"), headers=crew.staff)
    ) == {"vat_number": "invalid"}
    assert _errors(crew.client.post(CLIENTS, json=body(vat_number=FR_VAT), headers=crew.staff)) == {
        "vat_number": "invalid"
    }
    us = crew.client.post(
        CLIENTS, json=body(country="US", vat_number="12-3456789"), headers=crew.staff
    )
    assert _errors(us) == {"vat_number": "invalid"}
    assert "cannot be checked" in us.json()["errors"][0]["message"]
    pl_id = crew.client.post(
        CLIENTS,
        json=body(country="PL", vat_number=None, company_id="0000012345"),
        headers=crew.staff,
    )
    assert _errors(pl_id) == {"company_id": "invalid"}
    assert state_counts(node, Client) == before and seen == []
    assert _create(crew, kind="person", name="Jan Peeters", vat_number=None)["vat_number"] is None
    assert _create(crew, country="FR", vat_number=FR_VAT)["vat_number"] == FR_VAT
    assert _create(crew, country="PL", vat_number="pl 8567346215")["vat_number"] == "PL8567346215"
    assert _create(crew, country="US", vat_number=None)["country"] == "US"
    assert len(seen) == 4


def test_bad_fields_are_all_named(crew: Crew) -> None:
    response = crew.client.post(
        CLIENTS,
        json=body(
            kind="robot",
            country="be",
            email="nope",
            billing_address={"street": "x", "postcode": "", "colour": "red"},
        ),
        headers=crew.staff,
    )
    assert set(_errors(response)) == {
        "kind",
        "country",
        "email",
        "billing_address.postcode",
        "billing_address.city",
        "billing_address.colour",
    }


def test_duplicates_archive_and_restore(crew: Crew, node) -> None:
    first = _create(crew)
    before = state_counts(node, Client)
    duplicate = crew.client.post(CLIENTS, json=body(name="Other name"), headers=crew.staff)
    assert duplicate.status_code == 409 and duplicate.json()["client_id"] == first["id"]
    assert state_counts(node, Client) == before
    archived = crew.client.post(f"{CLIENTS}/{first['id']}/archive", headers=crew.staff).json()
    assert archived["archived"] is True and archived["archived_at"]
    second = _create(crew, name="Atelier SA (new)")
    listed = crew.client.get(CLIENTS, headers=crew.staff).json()
    assert [c["id"] for c in listed["items"]] == [second["id"]]
    everything = crew.client.get(CLIENTS, params={"archived": "any"}, headers=crew.staff).json()
    assert everything["total"] == 2
    restore = crew.client.post(f"{CLIENTS}/{first['id']}/restore", headers=crew.staff)
    assert restore.status_code == 409
    assert crew.client.get(f"{CLIENTS}/{first['id']}", headers=crew.staff).json()["archived"]


def test_update_keeps_the_record_valid(crew: Crew, node) -> None:
    created = _create(crew)
    url = f"{CLIENTS}/{created['id']}"
    before = state_counts(node, Client)
    assert _errors(crew.client.patch(url, json={"vat_number": None}, headers=crew.staff)) == {
        "vat_number": "required"
    }
    assert _errors(crew.client.patch(url, json={"country": "FR"}, headers=crew.staff)) == {
        "vat_number": "invalid"
    }
    assert state_counts(node, Client) == before
    person = crew.client.patch(
        url, json={"kind": "person", "vat_number": None, "name": "Jan Peeters"}, headers=crew.staff
    )
    assert person.status_code == 200 and person.json()["vat_number"] is None
    moved = crew.client.patch(
        url,
        json={"billing_address": {**ADDRESS, "city": "Gent", "postcode": "9000"}},
        headers=crew.staff,
    ).json()
    assert moved["billing_address"]["city"] == "Gent"
    with node.db.reading() as session:
        updates = session.scalars(select(AuditEntry).where(AuditEntry.action == "client.update"))
        changed = [sorted(entry.changes) for entry in updates]
    assert changed == [["kind", "name", "vat_number"], ["billing_address"]]


def test_list_search_and_missing_clients(crew: Crew) -> None:
    _create(crew, name="Boulangerie 100% Bio_Paris", country="FR", vat_number=FR_VAT)
    _create(crew, kind="person", name="Jan Peeters", vat_number=None)
    found = crew.client.get(CLIENTS, params={"q": "100%"}, headers=crew.staff).json()
    assert [c["name"] for c in found["items"]] == ["Boulangerie 100% Bio_Paris"]
    assert crew.client.get(CLIENTS, params={"q": "_"}, headers=crew.staff).json()["total"] == 1
    french = crew.client.get(CLIENTS, params={"country": "FR"}, headers=crew.staff).json()
    assert french["total"] == 1
    for missing in (999, 2**40):
        assert crew.client.get(f"{CLIENTS}/{missing}", headers=crew.staff).status_code == 404
