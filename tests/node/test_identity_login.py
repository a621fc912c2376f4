"""Signing in over the API: passwords, the second factor, throttling, refresh and logout."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from node.audit.models import AuditEntry
from node.errors import PROBLEM_BASE
from node.identity import passwords
from node.identity.models import LoginAttempt, LoginSession, RefreshToken, User
from node.runtime import Node

LOGIN = "/api/v1/auth/login"


def login(client: TestClient, **body: Any) -> Any:
    return client.post(LOGIN, json=body)


def problem_type(response: Any) -> str:
    assert response.headers["content-type"].startswith("application/problem+json")
    return str(response.json()["type"]).removeprefix(PROBLEM_BASE)


def wrong_code(account: Any) -> str:
    """A six-digit code that is valid in none of the accepted steps."""
    valid = {account.code(steps) for steps in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def test_a_member_signs_in_with_a_password(client: TestClient, accounts: Any) -> None:
    member = accounts.user("member")
    response = login(client, email=member.email, password=member.password)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 15 * 60
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["user"]["email"] == member.email
    assert me.json()["role"] == "member"


def test_the_email_address_is_case_insensitive(client: TestClient, accounts: Any) -> None:
    member = accounts.user("member", email="Ada@Example.org")
    assert login(client, email=" ADA@example.ORG ", password=member.password).status_code == 200


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admins_need_a_totp_code(client: TestClient, accounts: Any, role: str) -> None:
    account = accounts.user(role)
    missing = login(client, email=account.email, password=account.password)
    assert missing.status_code == 401 and problem_type(missing) == "totp-required"
    wrong = login(client, email=account.email, password=account.password, totp=wrong_code(account))
    assert wrong.status_code == 401 and problem_type(wrong) == "totp-required"
    good = login(client, email=account.email, password=account.password, totp=account.code())
    assert good.status_code == 200, good.text


def test_a_totp_code_works_only_once(client: TestClient, accounts: Any) -> None:
    staff = accounts.user("staff")
    code = staff.code()
    assert login(client, email=staff.email, password=staff.password, totp=code).status_code == 200
    again = login(client, email=staff.email, password=staff.password, totp=code)
    assert again.status_code == 401 and problem_type(again) == "totp-required"
    later = login(client, email=staff.email, password=staff.password, totp=staff.code(1))
    assert later.status_code == 200


def test_a_right_password_with_a_wrong_totp_code_counts_as_a_failure(
    client: TestClient, accounts: Any, node: Node
) -> None:
    staff = accounts.user("staff")
    login(client, email=staff.email, password=staff.password, totp=wrong_code(staff))
    login(client, email=staff.email, password=staff.password)  # no code: not a failure
    with node.db.reading() as session:
        reasons = session.scalars(select(LoginAttempt.reason).order_by(LoginAttempt.id)).all()
    assert reasons == ["totp"]


def test_unknown_address_and_wrong_password_look_the_same(
    client: TestClient, accounts: Any
) -> None:
    member = accounts.user("member")
    unknown = login(client, email="nobody@example.org", password=member.password)
    wrong = login(client, email=member.email, password="wrong password!")
    assert unknown.status_code == wrong.status_code == 401
    assert problem_type(unknown) == problem_type(wrong) == "unauthorized"
    assert unknown.json()["detail"] == wrong.json()["detail"]


def test_a_deactivated_user_cannot_sign_in(
    client: TestClient, accounts: Any, login_as: Any
) -> None:
    member = accounts.user("member")
    client.post(f"/api/v1/users/{member.id}/deactivate", headers=login_as("admin"))
    response = login(client, email=member.email, password=member.password)
    assert response.status_code == 401 and problem_type(response) == "unauthorized"


def test_failed_attempts_are_recorded_although_the_request_fails(
    client: TestClient, accounts: Any, node: Node
) -> None:
    member = accounts.user("member")
    login(client, email=member.email, password="wrong password!")
    login(client, email="nobody@example.org", password="whatever it is")
    login(client, email=member.email, password=member.password)
    with node.db.reading() as session:
        rows = session.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
        seen = [(r.account, r.succeeded, r.reason, r.address) for r in rows]
    assert [row[:3] for row in seen] == [
        (member.email, False, "password"),
        ("nobody@example.org", False, "password"),
        (member.email, True, "api"),
    ]
    assert {row[3] for row in seen} == {"testclient"}


def test_too_many_failures_for_an_account_are_throttled_before_the_password_is_checked(
    client: TestClient, accounts: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = accounts.user("member")
    for _ in range(5):  # security.login_max_failures defaults to 5
        assert login(client, email=member.email, password="wrong password!").status_code == 401
    checked: list[str] = []
    monkeypatch.setattr(passwords, "verify_password", lambda *a: checked.append("!") or True)
    throttled = login(client, email=member.email, password=member.password)
    assert throttled.status_code == 429 and problem_type(throttled) == "too-many-requests"
    assert 1 <= int(throttled.headers["retry-after"]) <= 15 * 60
    assert checked == []


def test_too_many_failures_from_one_address_are_throttled(
    client: TestClient, accounts: Any
) -> None:
    member = accounts.user("member")
    for number in range(5):
        login(client, email=f"guess{number}@example.org", password="wrong password!")
    throttled = login(client, email=member.email, password=member.password)
    assert throttled.status_code == 429 and "retry-after" in throttled.headers


def test_a_success_clears_the_account_count(client: TestClient, accounts: Any) -> None:
    member = accounts.user("member")
    ok = {"email": member.email, "password": member.password}
    for _ in range(4):
        login(client, email=member.email, password="wrong password!")
    assert login(client, **ok).status_code == 200
    # the address still has 4 failures: one more is the limit for it
    login(client, email=member.email, password="wrong password!")
    assert login(client, **ok).status_code == 429


def test_rehash_on_login_when_parameters_changed(
    client: TestClient, accounts: Any, node: Node
) -> None:
    member = accounts.user("member")
    passwords.use_parameters(time_cost=2, memory_cost=2048, parallelism=1)
    assert login(client, email=member.email, password=member.password).status_code == 200
    with node.db.reading() as session:
        stored = session.get(User, member.id).password_hash  # type: ignore[union-attr]
    assert "m=2048,t=2,p=1" in stored
    assert passwords.verify_password(stored, member.password)


def test_refresh_rotates_and_reuse_ends_the_session(
    client: TestClient, login_as: Any, node: Node
) -> None:
    first = login_as("member")
    old_refresh = login_as.account("member").tokens["refresh_token"]
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": old_refresh})
    assert response.status_code == 200, response.text
    pair = response.json()
    assert pair["refresh_token"] != old_refresh
    second = {"Authorization": f"Bearer {pair['access_token']}"}
    assert client.get("/api/v1/me", headers=second).status_code == 200
    # the old refresh token again: theft detected, the whole session ends
    reuse = client.post("/api/v1/auth/refresh", json={"refresh_token": old_refresh})
    assert reuse.status_code == 401
    for headers in (first, second):
        assert client.get("/api/v1/me", headers=headers).status_code == 401
    after = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert after.status_code == 401
    with node.db.reading() as session:
        reasons = session.scalars(select(LoginSession.revoked_reason)).all()
    assert reasons == ["refresh-reuse"]


def test_an_unknown_refresh_token_gets_401(client: TestClient) -> None:
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": "made-up"})
    assert response.status_code == 401 and problem_type(response) == "unauthorized"


def test_refresh_tokens_are_stored_hashed(client: TestClient, login_as: Any, node: Node) -> None:
    login_as("member")
    refresh = login_as.account("member").tokens["refresh_token"]
    with node.db.reading() as session:
        stored = session.scalars(select(RefreshToken.token_hash)).all()
    assert len(stored) == 1 and refresh not in stored[0]


def test_logout_ends_only_that_session(client: TestClient, accounts: Any) -> None:
    member = accounts.user("member")
    one, two = accounts.session_headers(member), accounts.session_headers(member)
    assert client.post("/api/v1/auth/logout", headers=one).status_code == 204
    assert client.get("/api/v1/me", headers=one).status_code == 401
    assert client.get("/api/v1/me", headers=two).status_code == 200


def test_platform_clients_get_tokens_with_client_credentials(
    client: TestClient, accounts: Any
) -> None:
    platform = accounts.platform("Courier")
    body = {
        "grant_type": "client_credentials",
        "client_id": platform.client_id,
        "client_secret": platform.client_secret,
    }
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 200
    assert set(response.json()) == {"access_token", "token_type", "expires_in"}
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    me = client.get("/api/v1/me", headers=headers).json()
    assert me["role"] == "platform" and me["client"]["name"] == "Courier"
    wrong = client.post("/api/v1/auth/token", json={**body, "client_secret": "nope"})
    assert wrong.status_code == 401
    unknown = client.post("/api/v1/auth/token", json={**body, "client_id": "pc_nope"})
    assert unknown.status_code == 401 and unknown.json()["detail"] == wrong.json()["detail"]
    other_grant = client.post("/api/v1/auth/token", json={**body, "grant_type": "password"})
    assert other_grant.status_code == 422


def test_secrets_never_reach_logs_or_the_audit_trail(
    client: TestClient, login_as: Any, node: Node, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = login_as("admin")
    created = client.post(
        "/api/v1/users", headers=admin, json={"email": "s@example.org", "role": "staff"}
    ).json()
    api_client = client.post("/api/v1/api-clients", headers=admin, json={"name": "P"}).json()
    login(client, email="s@example.org", password=created["password"], totp="123456")
    secrets = [
        created["password"],
        created["totp"]["secret"],
        api_client["client_secret"],
        login_as.account("admin").password,
        login_as.account("admin").tokens["refresh_token"],
    ]
    with node.db.reading() as session:
        trail = repr([(e.action, e.changes) for e in session.scalars(select(AuditEntry))])
    assert "user.create" in trail and "api_client.create" in trail
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in trail
