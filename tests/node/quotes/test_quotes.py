"""Quotes: create, send an acceptance link, the client accepts or refuses once, convert to an
invoice draft; every defective link is refused and changes nothing.

The node is Belgian with its VAT number (the settings of the invoice tests).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import select

from node.audit.models import AuditEntry
from node.identity.roles import Principal, Role
from node.invoices.models import Invoice
from node.quotes import service, tokens
from node.quotes.models import AcceptanceToken, Quote, QuoteLine
from tests.node.invoices.test_invoices import (
    BOOKS,
    CONSULTING,
    make_client,
    open_activity,
    settings,  # noqa: F401 (the Belgian node's settings, as a fixture)
)
from tests.node.member_helpers import Crew, state_counts

QUOTES = "/api/v1/quotes"
STAFF = Principal(role=Role.STAFF, user_id=1)
JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html,application/xhtml+xml"}


def valid_until(days: int = 20) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


@pytest.fixture
def setup(crew: Crew) -> dict[str, Any]:
    """A member with a login and an activity, and a Belgian company client."""
    member, headers = crew.member_login()
    return {
        "member": member,
        "headers": headers,
        "activity_id": open_activity(crew, member),
        "client_id": make_client(crew),
    }


def create(crew: Crew, setup: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body = {
        "activity_id": setup["activity_id"],
        "client_id": setup["client_id"],
        "lines": [CONSULTING, BOOKS],
        "valid_until": valid_until(),
        **overrides,
    }
    response = crew.client.post(QUOTES, json=body, headers=setup["headers"])
    assert response.status_code == 201, response.text
    return dict(response.json())


def send(crew: Crew, quote_id: int, headers: dict[str, str]) -> str:
    response = crew.client.post(f"{QUOTES}/{quote_id}/send", headers=headers)
    assert response.status_code == 200, response.text
    url = response.json()["acceptance_url"]
    assert url.startswith(crew.node.settings["node.base_url"] + "/quotes/accept/")
    return str(url.removeprefix(crew.node.settings["node.base_url"]))


def quote_row(crew: Crew, quote_id: int) -> dict[str, Any]:
    response = crew.client.get(f"{QUOTES}/{quote_id}", headers=crew.staff)
    assert response.status_code == 200, response.text
    return dict(response.json())


def answer(crew: Crew, path: str, decision: str = "accept", **headers: str) -> Any:
    return crew.client.post(
        path, data={"decision": decision, "name": "Alice Client"}, headers=headers or JSON
    )


def refused(response: Any, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["reason"] == reason


def snapshot(crew: Crew, quote_id: int) -> Any:
    """Everything a refused link must leave as it was."""
    with crew.node.db.reading() as session:
        tokens_ = [
            (t.jti, t.used_at, t.revoked_at)
            for t in session.scalars(
                select(AcceptanceToken).where(AcceptanceToken.quote_id == quote_id)
            )
        ]
    return quote_row(crew, quote_id), tokens_, state_counts(crew.node, Quote, Invoice)


def _flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


# -- the whole cycle ---------------------------------------------------------------------------


def test_full_cycle(crew: Crew, setup: dict[str, Any]) -> None:
    quote = create(crew, setup)
    assert quote["status"] == "draft"
    assert quote["number"].startswith(f"Q{date.today().year}-")
    # 7.5 × 85.00 = 637.50 at 21 % (133.88) + 3 × 12.35 = 37.05 at 6 % (2.22)
    assert (quote["net"], quote["vat"], quote["gross"]) == ("674.55", "136.10", "810.65")
    assert len(quote["digest"]) == 64

    path = send(crew, quote["id"], setup["headers"])  # a member of the activity sends it
    assert quote_row(crew, quote["id"])["status"] == "sent"

    page = crew.client.get(path, headers=HTML)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert quote["number"] in page.text and "Consultancy" in page.text and "810.65" in page.text
    assert f'action="{path}"' in page.text and 'value="accept"' in page.text

    accepted = answer(crew, path, **HTML)
    assert accepted.status_code == 200, accepted.text
    assert "acceptance has been recorded" in accepted.text
    row = quote_row(crew, quote["id"])
    assert row["status"] == "accepted"
    assert row["accepted_via"] == "link"
    assert row["accepted_by_name"] == "Alice Client"
    assert row["accepted_from_ip"] == "testclient"
    assert row["accepted_at"] is not None

    converted = crew.client.post(f"{QUOTES}/{quote['id']}/invoice", headers=crew.staff)
    assert converted.status_code == 201, converted.text
    invoice = converted.json()["invoice"]
    assert converted.json()["quote"]["status"] == "invoiced"
    assert converted.json()["quote"]["invoice_id"] == invoice["id"]
    assert invoice["status"] == "draft"
    assert (invoice["activity_id"], invoice["client_id"]) == (
        setup["activity_id"],
        setup["client_id"],
    )
    assert [
        (line["description"], line["quantity"], line["unit_price"], line["vat_tier"])
        for line in invoice["lines"]
    ] == [
        (line["description"], line["quantity"], line["unit_price"], line["vat_tier"])
        for line in quote["lines"]
    ]
    assert (invoice["net"], invoice["vat"], invoice["gross"]) == (
        quote["net"],
        quote["vat"],
        quote["gross"],
    )

    again = crew.client.post(f"{QUOTES}/{quote['id']}/invoice", headers=crew.staff)
    assert again.status_code == 200, again.text
    assert again.json()["invoice"]["id"] == invoice["id"]
    with crew.node.db.reading() as session:
        actions = list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "quote", AuditEntry.entity_id == str(quote["id"]))
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["quote.create", "quote.send", "quote.accept", "quote.invoice"]


def test_the_link_is_stored_only_as_a_hash(crew: Crew, setup: dict[str, Any]) -> None:
    quote = create(crew, setup)
    path = send(crew, quote["id"], setup["headers"])
    token = path.removeprefix("/quotes/accept/")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == "quote-acceptance" and claims["qid"] == quote["id"]
    assert claims["dig"] == quote["digest"]
    with crew.node.db.reading() as session:
        row = session.scalar(select(AcceptanceToken).where(AcceptanceToken.jti == claims["jti"]))
        assert row is not None
        assert row.token_hash == tokens.token_hash(token)
        assert row.digest == quote["digest"]
        # valid until the end of valid_until, within the 30-day maximum
        assert row.expires_at == datetime.combine(
            date.fromisoformat(quote["valid_until"]) + timedelta(days=1),
            datetime.min.time(),
            tzinfo=UTC,
        )
        audited = session.scalars(select(AuditEntry.changes)).all()
    assert token not in json.dumps(list(audited))


def test_link_expiry_is_at_most_thirty_days() -> None:
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert service.link_expiry(date(2026, 3, 5), now) == datetime(2026, 3, 6, tzinfo=UTC)
    assert service.link_expiry(date(2026, 12, 31), now) == now + timedelta(days=30)


# -- defective links ---------------------------------------------------------------------------


def test_a_tampered_link_is_refused_and_changes_nothing(crew: Crew, setup: dict[str, Any]) -> None:
    quote = create(crew, setup)
    path = send(crew, quote["id"], setup["headers"])
    token = path.removeprefix("/quotes/accept/")
    header, payload, signature = token.split(".")
    before = snapshot(crew, quote["id"])
    other_claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    other_claims["qid"] = quote["id"] + 1
    forged_payload = base64.urlsafe_b64encode(json.dumps(other_claims).encode()).rstrip(b"=")
    variants = {
        "payload char": f"{header}.{_flip(payload, 12)}.{signature}",
        "signature char": f"{header}.{payload}.{_flip(signature, 5)}",
        "last char": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "other quote": f"{header}.{forged_payload.decode()}.{signature}",
        "alg none": jwt.encode(
            jwt.decode(token, options={"verify_signature": False}), key=None, algorithm="none"
        ),
        "wrong key": jwt.encode(
            jwt.decode(token, options={"verify_signature": False}), "x" * 40, algorithm="HS256"
        ),
        "signed with the raw secret": jwt.encode(
            jwt.decode(token, options={"verify_signature": False}),
            crew.node.settings["security.secret_key"],
            algorithm="HS256",
        ),
        "an API access token": crew.staff["Authorization"].removeprefix("Bearer "),
        "garbage": "not-a-token",
    }
    for case, bad in variants.items():
        bad_path = f"/quotes/accept/{bad}"
        refused(crew.client.get(bad_path, headers=JSON), 403, "invalid")
        refused(answer(crew, bad_path), 403, "invalid")
        assert snapshot(crew, quote["id"]) == before, case
    page = crew.client.get(f"/quotes/accept/{_flip(token, 60)}", headers=HTML)
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "This link is not valid" in page.text
    # the genuine link still works afterwards
    assert answer(crew, path).status_code == 200
    assert quote_row(crew, quote["id"])["status"] == "accepted"


def test_an_expired_link_is_refused(crew: Crew, setup: dict[str, Any], node: Any) -> None:
    quote = create(crew, setup)
    now = datetime.now(UTC)
    with node.db.transaction() as session:
        sent = service.send(
            session, node.settings, STAFF, quote["id"], expires_at=now - timedelta(minutes=1)
        )
    path = sent.url.removeprefix(node.settings["node.base_url"])
    before = snapshot(crew, quote["id"])
    refused(crew.client.get(path, headers=JSON), 403, "expired")
    refused(answer(crew, path), 403, "expired")
    assert snapshot(crew, quote["id"]) == before
    # a link good now is refused once the clock passes its expiry
    path = send(crew, quote["id"], crew.staff)
    token = path.removeprefix("/quotes/accept/")
    with node.db.reading() as session:
        service.verify_link(session, node.settings, token)
        later = datetime.now(UTC) + timedelta(days=31)
        with pytest.raises(Exception) as caught:
            service.verify_link(session, node.settings, token, now=later)
    assert getattr(caught.value, "extra", {}).get("reason") == "expired"


def test_a_used_link_is_refused(crew: Crew, setup: dict[str, Any]) -> None:
    quote = create(crew, setup)
    path = send(crew, quote["id"], setup["headers"])
    assert answer(crew, path).status_code == 200
    before = snapshot(crew, quote["id"])
    refused(answer(crew, path), 409, "used")
    refused(answer(crew, path, "refuse"), 409, "used")
    refused(crew.client.get(path, headers=JSON), 409, "used")
    assert snapshot(crew, quote["id"]) == before
    assert quote_row(crew, quote["id"])["status"] == "accepted"


def test_sending_again_revokes_the_older_link(crew: Crew, setup: dict[str, Any]) -> None:
    quote = create(crew, setup)
    first = send(crew, quote["id"], setup["headers"])
    second = send(crew, quote["id"], crew.staff)
    assert first != second
    refused(crew.client.get(first, headers=JSON), 409, "revoked")
    refused(answer(crew, first), 409, "revoked")
    assert crew.client.get(second, headers=JSON).status_code == 200
    assert answer(crew, second).status_code == 200


def test_a_link_for_a_quote_changed_after_sending_is_refused(
    crew: Crew, setup: dict[str, Any], node: Any
) -> None:
    quote = create(crew, setup)
    path = send(crew, quote["id"], setup["headers"])
    revised = crew.client.patch(
        f"{QUOTES}/{quote['id']}", json={"lines": [CONSULTING]}, headers=setup["headers"]
    )
    assert revised.status_code == 200, revised.text
    assert revised.json()["digest"] != quote["digest"]
    assert revised.json()["gross"] == "771.38"  # 637.50 + 21 %
    before = snapshot(crew, quote["id"])
    refused(crew.client.get(path, headers=JSON), 409, "changed")
    refused(answer(crew, path), 409, "changed")
    assert snapshot(crew, quote["id"]) == before
    # a new link for the revised quote works
    fresh = send(crew, quote["id"], setup["headers"])
    assert crew.client.get(fresh, headers=JSON).status_code == 200
    # a change made behind the service's back (the stored digest untouched) is caught too
    with node.db.transaction() as session:
        line = session.scalar(select(QuoteLine).where(QuoteLine.quote_id == quote["id"]))
        assert line is not None
        line.unit_price_minor += 1
    refused(answer(crew, fresh), 409, "changed")
    assert quote_row(crew, quote["id"])["status"] == "sent"


def test_refusal(crew: Crew, setup: dict[str, Any]) -> None:
    quote = create(crew, setup)
    path = send(crew, quote["id"], setup["headers"])
    response = answer(crew, path, "refuse", **HTML)
    assert response.status_code == 200
    assert "Quote refused" in response.text
    row = quote_row(crew, quote["id"])
    assert row["status"] == "refused"
    assert row["refused_by_name"] == "Alice Client"
    assert row["accepted_at"] is None
    refused(answer(crew, path), 409, "used")
    converted = crew.client.post(f"{QUOTES}/{quote['id']}/invoice", headers=crew.staff)
    assert converted.status_code == 409
    assert crew.client.post(f"{QUOTES}/{quote['id']}/send", headers=crew.staff).status_code == 409


def test_only_an_accepted_quote_converts(crew: Crew, setup: dict[str, Any]) -> None:
    quote = create(crew, setup)
    before = state_counts(crew.node, Invoice)
    response = crew.client.post(f"{QUOTES}/{quote['id']}/invoice", headers=crew.staff)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    send(crew, quote["id"], crew.staff)
    before = state_counts(crew.node, Invoice)
    sent_try = crew.client.post(f"{QUOTES}/{quote['id']}/invoice", headers=crew.staff)
    assert sent_try.status_code == 409
    assert state_counts(crew.node, Invoice) == before
    member_try = crew.client.post(f"{QUOTES}/{quote['id']}/invoice", headers=setup["headers"])
    assert member_try.status_code == 403


def test_a_signed_copy_accepts_the_quote(crew: Crew, setup: dict[str, Any]) -> None:
    quote = create(crew, setup)
    path = send(crew, quote["id"], setup["headers"])
    future = (date.today() + timedelta(days=1)).isoformat()
    body = {"signed_by": "Bob Client", "signed_on": future}
    url = f"{QUOTES}/{quote['id']}/signed-copy"
    assert crew.client.post(url, json=body, headers=crew.staff).status_code == 422
    assert crew.client.post(url, json=body, headers=setup["headers"]).status_code == 403
    body["signed_on"] = date.today().isoformat()
    recorded = crew.client.post(url, json=body, headers=crew.staff)
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["status"] == "accepted"
    assert recorded.json()["accepted_via"] == "signed_copy"
    assert recorded.json()["accepted_by_name"] == "Bob Client"
    refused(crew.client.get(path, headers=JSON), 409, "revoked")
    assert crew.client.post(url, json=body, headers=crew.staff).status_code == 409
    converted = crew.client.post(f"{QUOTES}/{quote['id']}/invoice", headers=crew.staff)
    assert converted.status_code == 201


def test_members_reach_only_their_own_quotes(crew: Crew, setup: dict[str, Any]) -> None:
    quote = create(crew, setup)
    _, stranger = crew.member_login()
    ident = quote["id"]
    before = snapshot(crew, ident)
    for method, suffix, body in [
        ("GET", "", None),
        ("GET", "/html", None),
        ("POST", "/send", None),
        ("PATCH", "", {"valid_until": valid_until(5)}),
    ]:
        response = crew.client.request(
            method, f"{QUOTES}/{ident}{suffix}", json=body, headers=stranger
        )
        missing = crew.client.request(
            method, f"{QUOTES}/{ident + 1000}{suffix}", json=body, headers=stranger
        )
        assert response.status_code == 404, (suffix, response.text)
        assert response.json()["detail"] == missing.json()["detail"] == "No such quote."
    assert crew.client.get(QUOTES, headers=stranger).json() == []
    foreign = crew.client.post(
        QUOTES,
        json={
            "activity_id": setup["activity_id"],
            "client_id": setup["client_id"],
            "lines": [CONSULTING],
            "valid_until": valid_until(),
        },
        headers=stranger,
    )
    assert foreign.status_code == 404
    assert snapshot(crew, ident) == before
    assert [q["id"] for q in crew.client.get(QUOTES, headers=setup["headers"]).json()] == [ident]


def test_input_is_checked(crew: Crew, setup: dict[str, Any]) -> None:
    body = {
        "activity_id": setup["activity_id"],
        "client_id": setup["client_id"],
        "lines": [{**CONSULTING, "unit_price": "85.001"}],
        "valid_until": (date.today() - timedelta(days=1)).isoformat(),
    }
    response = crew.client.post(QUOTES, json=body, headers=setup["headers"])
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"valid_until"}  # the date first; then the lines
    body["valid_until"] = valid_until()
    response = crew.client.post(QUOTES, json=body, headers=setup["headers"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines.0.unit_price"
    quote = create(crew, setup)
    path = send(crew, quote["id"], setup["headers"])
    blank = crew.client.post(path, data={"decision": "accept", "name": "   "}, headers=JSON)
    assert blank.status_code == 422
    odd = crew.client.post(path, data={"decision": "maybe", "name": "Eve"}, headers=JSON)
    assert odd.status_code == 422
    assert quote_row(crew, quote["id"])["status"] == "sent"


def test_printable_view(crew: Crew, setup: dict[str, Any]) -> None:
    quote = create(crew, setup)
    page = crew.client.get(f"{QUOTES}/{quote['id']}/html", headers=setup["headers"])
    assert page.status_code == 200
    assert quote["number"] in page.text and "Books" in page.text and "<form" not in page.text
    assert quote["digest"] in page.text


def test_a_signed_in_browser_can_answer_with_its_csrf_token(
    crew: Crew, setup: dict[str, Any], browser_login: Any
) -> None:
    quote = create(crew, setup)
    path = send(crew, quote["id"], setup["headers"])
    browser_login("member")  # the cookie now rides along on every request of crew.client
    page = crew.client.get(path, headers=HTML)
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = crew.client.post(
        path, data={"decision": "accept", "name": "Carol", "csrf_token": token}, headers=HTML
    )
    assert response.status_code == 200, response.text
    assert quote_row(crew, quote["id"])["accepted_by_name"] == "Carol"


# -- the record maker of tests/node/test_member_privacy.py -------------------------------------


def quote_of(crew: Crew, member: dict[str, Any]) -> int:
    """A draft quote of an activity of ``member`` (works on a node without a VAT number)."""
    activity_id = open_activity(crew, member)
    client_id = make_client(crew, kind="person", name="Quote client", vat_number=None)
    body = {
        "activity_id": activity_id,
        "client_id": client_id,
        "lines": [CONSULTING],
        "valid_until": valid_until(),
    }
    response = crew.client.post(QUOTES, json=body, headers=crew.staff)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])
