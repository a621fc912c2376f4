"""Browser sign-in: the form, login CSRF, the session cookie, CSRF on unsafe requests, sign-out,
and pages in the user's language."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from node.identity import csrf
from node.identity.models import LoginAttempt, LoginSession, User
from node.runtime import Node
from tests.node.conftest import login_form_token

HTML = {"Accept": "text/html,application/xhtml+xml"}


def sign_in(client: TestClient, headers: dict[str, str] | None = None, **form: str) -> Any:
    """Like a browser: fetch the form (for its login CSRF token and cookie), then post it."""
    form.setdefault("csrf_token", login_form_token(client))
    return client.post("/login", data=form, headers=headers, follow_redirects=False)


def set_cookies(response: Any) -> dict[str, str]:
    """``{cookie name: its whole Set-Cookie header}`` of a response."""
    headers = response.headers.get_list("set-cookie")
    return {header.split("=", 1)[0]: header for header in headers}


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
    cookie = set_cookies(response)[csrf.COOKIE_NAME]
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
    assert csrf.COOKIE_NAME not in set_cookies(response)


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


# Login CSRF: the sign-in form needs the token of the browser's pre-session cookie.


def test_the_login_page_sets_a_pre_session_csrf_cookie(client: TestClient, node: Node) -> None:
    response = client.get("/login")
    cookie = set_cookies(response)[csrf.LOGIN_COOKIE_NAME]
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "path=/login" in lowered
    assert f"max-age={csrf.LOGIN_COOKIE_MAX_AGE}" in lowered
    nonce = client.cookies[csrf.LOGIN_COOKIE_NAME]
    assert csrf.is_login_nonce(nonce)
    token = csrf.login_csrf_token(node.settings, nonce)
    assert f'<input type="hidden" name="csrf_token" value="{token}">' in response.text
    assert nonce not in response.text  # the cookie's value itself never reaches the page
    again = client.get("/login")  # a second tab keeps the same cookie, so both forms work
    assert client.cookies[csrf.LOGIN_COOKIE_NAME] == nonce and token in again.text


def test_signing_in_clears_the_login_csrf_cookie(client: TestClient, accounts: Any) -> None:
    member = accounts.user("member")
    response = sign_in(client, email=member.email, password=member.password)
    assert response.status_code == 303
    cleared = set_cookies(response)[csrf.LOGIN_COOKIE_NAME].lower()
    assert "max-age=0" in cleared and "path=/login" in cleared
    assert csrf.LOGIN_COOKIE_NAME not in client.cookies


def _attempts(node: Node) -> int:
    with node.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(LoginAttempt)) or 0)


def test_a_sign_in_without_the_login_csrf_token_is_refused(
    client: TestClient, accounts: Any, node: Node
) -> None:
    member = accounts.user("member")
    form = {"email": member.email, "password": member.password}
    login_form_token(client)  # the browser has its cookie, but the post carries no token
    refused = client.post("/login", data=form, follow_redirects=False)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in refused.text and "did not come from this site" in refused.text
    assert f'value="{member.email}"' in refused.text
    assert csrf.COOKIE_NAME not in set_cookies(refused) and csrf.COOKIE_NAME not in client.cookies
    assert _attempts(node) == 0  # refused before the password is even looked at
    forged = client.post("/login", data={**form, "csrf_token": "x" * 43}, follow_redirects=False)
    assert forged.status_code == 403
    # The refusal carries a fresh form: signing in from it works.
    token = csrf.login_csrf_token(node.settings, client.cookies[csrf.LOGIN_COOKIE_NAME])
    assert token in refused.text
    done = client.post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303


def test_a_token_without_its_cookie_is_refused(
    client: TestClient, accounts: Any, node: Node
) -> None:
    member = accounts.user("member")
    token = login_form_token(client)
    client.cookies.clear()
    response = client.post(
        "/login",
        data={"email": member.email, "password": member.password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 403 and csrf.COOKIE_NAME not in client.cookies


def test_a_hostile_site_cannot_sign_the_browser_into_another_account(
    node: Node, accounts: Any
) -> None:
    """Login CSRF: the attacker's own valid form token is useless with the victim's cookie."""
    from node.app import create_app

    attacker = accounts.user("member")
    app = create_app(node)
    with TestClient(app) as attacker_browser, TestClient(app) as victim_browser:
        attacker_token = login_form_token(attacker_browser)
        login_form_token(victim_browser)  # the victim once opened the sign-in page
        forged = {
            "email": attacker.email,
            "password": attacker.password,
            "csrf_token": attacker_token,
        }
        response = victim_browser.post("/login", data=forged, follow_redirects=False)
        assert response.status_code == 403
        assert csrf.COOKIE_NAME not in victim_browser.cookies
        victim_browser.cookies.delete(csrf.LOGIN_COOKIE_NAME)  # or has no cookie at all
        assert victim_browser.post("/login", data=forged).status_code == 403
        assert csrf.COOKIE_NAME not in victim_browser.cookies


def test_the_login_csrf_token_is_bound_to_the_node_key(node: Node) -> None:
    nonce = csrf.new_login_nonce()
    token = csrf.login_csrf_token(node.settings, nonce)
    assert csrf.login_csrf_valid(node.settings, nonce, token)
    other_key = node.settings.replace(**{"security.secret_key": "k" * 48})
    assert not csrf.login_csrf_valid(other_key, nonce, token)
    assert not csrf.login_csrf_valid(node.settings, nonce, None)
    assert not csrf.login_csrf_valid(node.settings, None, token)
    assert not csrf.login_csrf_valid(
        node.settings, "short", csrf.login_csrf_token(node.settings, "short")
    )
    assert token != csrf.csrf_token(node.settings, nonce)  # not a session token either


# Pages in the user's language.


def test_the_login_page_speaks_the_browser_language(client: TestClient) -> None:
    french = client.get("/login", headers={"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in french.text and french.headers["content-language"] == "fr"
    assert "<h1>Se connecter</h1>" in french.text
    assert '<label for="password">Mot de passe</label>' in french.text
    assert "(personnel et administrateurs)" in french.text
    dutch = client.get("/login", headers={"Accept-Language": "nl"})
    assert '<html lang="nl">' in dutch.text and "Wachtwoord" in dutch.text
    english = client.get("/login", headers={"Accept-Language": "ja"})
    assert '<html lang="en">' in english.text and "<h1>Sign in</h1>" in english.text


def test_without_a_usable_accept_language_pages_use_the_node_language(
    client: TestClient, node: Node
) -> None:
    node.settings = node.settings.replace(**{"node.language": "de"})
    page = client.get("/login")
    assert '<html lang="de">' in page.text and "<h1>Anmelden</h1>" in page.text
    assert '<html lang="de">' in client.get("/login", headers={"Accept-Language": "ja"}).text
    assert '<html lang="nl">' in client.get("/login", headers={"Accept-Language": "nl"}).text


def test_login_errors_are_in_the_browser_language(client: TestClient, accounts: Any) -> None:
    member = accounts.user("member")
    german = {"Accept-Language": "de"}
    wrong = sign_in(client, headers=german, email=member.email, password="wrong password!")
    assert wrong.status_code == 401
    assert "Die E-Mail-Adresse oder das Passwort ist falsch." in wrong.text
    staff = accounts.user("staff")
    without_code = sign_in(
        client, headers={"Accept-Language": "nl"}, email=staff.email, password=staff.password
    )
    assert "Personeel en beheerders moeten ook de code" in without_code.text
    refused = client.post(
        "/login",
        data={"email": member.email, "password": member.password},
        headers={"Accept-Language": "fr"},
    )
    assert refused.status_code == 403
    assert "Le formulaire de connexion avait expiré" in refused.text


def test_the_dashboard_speaks_the_user_language(
    client: TestClient, browser_login: Any, node: Node
) -> None:
    login = browser_login("staff")
    english = client.get("/", headers={"Accept-Language": "fr"})  # the user's "en" wins
    assert '<html lang="en">' in english.text and "Welcome, Test staff" in english.text
    with node.db.transaction() as session:
        session.execute(update(User).where(User.id == login.account.id).values(language="de"))
    page = client.get("/", headers={"Accept-Language": "fr"})
    assert page.headers["content-language"] == "de"
    text = page.text
    assert '<html lang="de">' in text and "<h1>Willkommen, Test staff</h1>" in text
    assert "<dt>Rolle</dt><dd>Personal</dd>" in text and "eingerichtet" in text
    assert ">Abmelden</button>" in text
    assert login.csrf_token in text  # the logout form still carries the session's token


def test_values_in_translated_sentences_are_escaped(
    client: TestClient, browser_login: Any, node: Node
) -> None:
    login = browser_login("member")
    with node.db.transaction() as session:
        session.execute(
            update(User)
            .where(User.id == login.account.id)
            .values(display_name="<script>x</script>", language="nl")
        )
    page = client.get("/").text
    assert "Welkom, &lt;script&gt;x&lt;/script&gt;" in page and "<script>" not in page
