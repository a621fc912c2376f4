"""Browser sign-in: the form, the session cookie, CSRF on unsafe requests, sign-out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from node.identity import csrf
from node.identity.models import LoginSession
from node.runtime import Node

HTML = {"Accept": "text/html,application/xhtml+xml"}


def sign_in(client: TestClient, **form: str) -> Any:
    return client.post("/login", data=form, follow_redirects=False)


def test_the_login_page_is_an_accessible_form(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="en">' in page and '<form method="post" action="/login"' in page
    for field in ("email", "password", "totp"):
        assert f'<label for="{field}">' in page and f'id="{field}" name="{field}"' in page
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_signing_in_sets_a_hardened_session_cookie(
    client: TestClient, accounts: Any, node: Node
) -> None:
    member = accounts.user("member")
    response = sign_in(client, email=member.email, password=member.password)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{csrf.COOKIE_NAME}=")
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "path=/" in lowered
    assert "secure" not in lowered  # security.cookie_secure is off in tests
    session_id = csrf.unsign_session(node.settings, client.cookies[csrf.COOKIE_NAME])
    with node.db.reading() as session:
        login = session.get(LoginSession, session_id)
        assert login is not None and login.kind == "browser"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert member.email in dashboard.text
    assert csrf.csrf_token(node.settings, session_id) in dashboard.text  # in the logout form
    assert client.get("/login", follow_redirects=False).headers["location"] == "/"


def test_the_cookie_is_secure_when_configured(node: Node, accounts: Any) -> None:
    from node.app import create_app

    node.settings = node.settings.replace(**{"security.cookie_secure": True})
    member = accounts.user("member")
    with TestClient(create_app(node), base_url="https://testserver") as secure_client:
        response = sign_in(secure_client, email=member.email, password=member.password)
    assert "secure" in response.headers["set-cookie"].lower()


def test_wrong_credentials_show_the_form_again(client: TestClient, accounts: Any) -> None:
    member = accounts.user("member")
    response = sign_in(client, email=member.email, password="wrong password!")
    assert response.status_code == 401
    assert 'role="alert"' in response.text and "wrong" in response.text
    assert f'value="{member.email}"' in response.text
    assert csrf.COOKIE_NAME not in response.headers.get("set-cookie", "")


def test_staff_need_their_code_on_the_page_too(client: TestClient, accounts: Any) -> None:
    staff = accounts.user("staff")
    without = sign_in(client, email=staff.email, password=staff.password)
    assert without.status_code == 401 and "authenticator" in without.text
    with_code = sign_in(client, email=staff.email, password=staff.password, totp=staff.code())
    assert with_code.status_code == 303


def test_page_logins_are_throttled(client: TestClient, accounts: Any) -> None:
    member = accounts.user("member")
    for _ in range(5):
        sign_in(client, email=member.email, password="wrong password!")
    response = sign_in(client, email=member.email, password=member.password)
    assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1


def test_an_anonymous_browser_is_sent_to_the_login_page(client: TestClient) -> None:
    response = client.get("/", headers=HTML, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/").status_code == 401  # an API client gets the problem document


def test_a_forged_or_stale_cookie_counts_as_no_session(
    client: TestClient, browser_login: Any
) -> None:
    login = browser_login("member")
    client.cookies.clear()
    client.cookies.set(csrf.COOKIE_NAME, f"{login.session_id}.forged-signature")
    assert client.get("/").status_code == 401
    client.cookies.clear()
    client.cookies.set(csrf.COOKIE_NAME, "garbage")
    assert client.get("/login").status_code == 200


def test_logout_needs_the_csrf_token(client: TestClient, browser_login: Any, node: Node) -> None:
    login = browser_login("member")
    refused = client.post("/logout", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/csrf-failed")
    forged = client.post("/logout", data={"csrf_token": "x" * 43}, follow_redirects=False)
    assert forged.status_code == 403
    assert client.get("/").status_code == 200  # still signed in
    done = client.post("/logout", data={"csrf_token": login.csrf_token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert f'{csrf.COOKIE_NAME}=""' in done.headers["set-cookie"]
    with node.db.reading() as session:
        ended = session.scalars(select(LoginSession.revoked_reason)).one()
    assert ended == "logout"
    client.cookies.clear()
    client.cookies.set(csrf.COOKIE_NAME, csrf.sign_session(node.settings, login.session_id))
    assert client.get("/").status_code == 401  # the old cookie is dead even if replayed


def test_json_api_calls_with_the_cookie_need_the_csrf_header(
    client: TestClient, browser_login: Any
) -> None:
    login = browser_login("admin")
    assert client.get("/api/v1/users").status_code == 200  # safe methods need no token
    body = {"email": "new@example.org", "role": "member"}
    refused = client.post("/api/v1/users", json=body)
    assert refused.status_code == 403 and refused.json()["type"].endswith("/csrf-failed")
    created = client.post("/api/v1/users", json=body, headers=login.headers)
    assert created.status_code == 201


def test_a_bearer_token_needs_no_csrf_token(client: TestClient, login_as: Any) -> None:
    response = client.post(
        "/api/v1/users",
        headers=login_as("admin"),
        json={"email": "n@example.org", "role": "member"},
    )
    assert response.status_code == 201


def test_platform_clients_have_no_dashboard(client: TestClient, login_as: Any) -> None:
    assert client.get("/", headers=login_as("platform")).status_code == 403


def test_forms_must_be_forms(client: TestClient, accounts: Any) -> None:
    member = accounts.user("member")
    response = client.post("/login", json={"email": member.email, "password": member.password})
    assert response.status_code == 415
