"""Admin API of identity: creating and deactivating logins, registering and revoking clients."""

from __future__ import annotations

from typing import Any

import pyotp
from sqlalchemy import select
from starlette.testclient import TestClient

from node.audit.models import AuditEntry
from node.identity.models import ApiClient, User
from node.runtime import Node


def test_admin_creates_a_staff_login_with_totp_enrolment(
    client: TestClient, login_as: Any, node: Node
) -> None:
    admin = login_as("admin")
    response = client.post(
        "/api/v1/users",
        headers=admin,
        json={"email": "Bo@Example.org", "display_name": "Bo", "role": "staff", "language": "fr"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == "bo@example.org" and body["role"] == "staff"
    assert body["language"] == "fr" and body["second_factor"] is True
    assert len(body["password"]) >= 12
    assert body["totp"]["uri"].startswith("otpauth://totp/")
    assert "password_hash" not in body and "totp_secret" not in body
    # the enrolment works: sign in with the generated password and a code from the secret
    code = pyotp.TOTP(body["totp"]["secret"]).now()
    login = client.post(
        "/api/v1/auth/login",
        json={"email": "bo@example.org", "password": body["password"], "totp": code},
    )
    assert login.status_code == 200, login.text
    with node.db.reading() as session:
        user = session.get(User, body["id"])
        assert user is not None and user.totp_secret is not None
        assert body["totp"]["secret"] not in user.totp_secret  # stored encrypted
        assert node.cipher.decrypt(user.totp_secret) == body["totp"]["secret"]


def test_a_member_login_gets_no_second_factor_and_keeps_a_given_password(
    client: TestClient, login_as: Any
) -> None:
    body = client.post(
        "/api/v1/users",
        headers=login_as("admin"),
        json={"email": "m@example.org", "role": "member", "password": "a long passphrase"},
    ).json()
    assert "password" not in body and "totp" not in body and body["second_factor"] is False
    login = client.post(
        "/api/v1/auth/login", json={"email": "m@example.org", "password": "a long passphrase"}
    )
    assert login.status_code == 200


def test_the_list_shows_no_secrets(client: TestClient, login_as: Any) -> None:
    admin = login_as("admin")
    login_as.account("staff")
    listed = client.get("/api/v1/users", headers=admin).json()["items"]
    assert [u["role"] for u in listed] == ["admin", "staff"]
    assert all("password" not in u and "totp" not in u for u in listed)
    staff_only = client.get("/api/v1/users?role=staff", headers=admin).json()["items"]
    assert [u["role"] for u in staff_only] == ["staff"]


def test_bad_creations_are_refused(client: TestClient, login_as: Any) -> None:
    admin = login_as("admin")
    email = login_as.account("admin").email
    duplicate = client.post("/api/v1/users", headers=admin, json={"email": email, "role": "staff"})
    assert duplicate.status_code == 409
    for body in (
        {"email": "x@example.org", "role": "platform"},
        {"email": "not-an-address", "role": "member"},
        {"email": "x@example.org", "role": "member", "password": "short"},
        {"email": "x@example.org", "role": "member", "extra": 1},
    ):
        assert client.post("/api/v1/users", headers=admin, json=body).status_code == 422, body


def test_deactivation_is_audited_and_the_last_admin_stays(
    client: TestClient, login_as: Any, node: Node
) -> None:
    admin = login_as("admin")
    admin_id, staff_id = login_as.account("admin").id, login_as.account("staff").id
    last = client.post(f"/api/v1/users/{admin_id}/deactivate", headers=admin)
    assert last.status_code == 409
    done = client.post(f"/api/v1/users/{staff_id}/deactivate", headers=admin)
    assert done.status_code == 200 and done.json()["is_active"] is False
    again = client.post(f"/api/v1/users/{staff_id}/deactivate", headers=admin)
    assert again.status_code == 200
    assert client.post("/api/v1/users/999/deactivate", headers=admin).status_code == 404
    with node.db.reading() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        seen = [(e.action, e.entity_id, e.actor) for e in entries]
    assert ("user.deactivate", str(staff_id), f"user:{admin_id}") in seen
    assert [a for a, *_ in seen].count("user.deactivate") == 1


def test_api_clients_are_created_listed_and_revoked(
    client: TestClient, login_as: Any, node: Node
) -> None:
    admin = login_as("admin")
    created = client.post("/api/v1/api-clients", headers=admin, json={"name": "Courier"})
    assert created.status_code == 201
    body = created.json()
    assert body["client_id"].startswith("pc_") and len(body["client_secret"]) >= 43
    assert body["created_by"] == f"user:{login_as.account('admin').id}"
    listed = client.get("/api/v1/api-clients", headers=admin).json()["items"]
    assert [c["name"] for c in listed] == ["Courier"]
    assert "client_secret" not in listed[0] and "secret_hash" not in listed[0]
    with node.db.reading() as session:
        stored = session.scalars(select(ApiClient.secret_hash)).one()
    assert body["client_secret"] not in stored
    revoked = client.post(f"/api/v1/api-clients/{body['id']}/revoke", headers=admin)
    assert revoked.json()["is_active"] is False and revoked.json()["revoked_at"]
    token = client.post(
        "/api/v1/auth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": body["client_id"],
            "client_secret": body["client_secret"],
        },
    )
    assert token.status_code == 401
    assert client.post("/api/v1/api-clients/999/revoke", headers=admin).status_code == 404
