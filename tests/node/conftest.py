"""Fixtures for signing in as each role — for the identity tests and for everyone else's.

All of them build on the ``node`` / ``client`` fixtures of ``tests/conftest.py`` (so they are
database tests and run on every engine).

``login_as(role) -> dict[str, str]``
    ``Authorization: Bearer …`` headers for a caller of ``role`` (``"member"``, ``"staff"``,
    ``"admin"`` or ``"platform"``). The first call for a role creates the account and signs it in
    through the real endpoints (``POST /api/v1/auth/login`` with the TOTP code for staff and
    admins, ``POST /api/v1/auth/token`` for a platform); later calls in the same test return the
    same headers. ``login_as.account(role)`` is the :class:`Account` behind them — e.g. to link
    a member record to ``login_as.account("member").id``.

``accounts`` — an :class:`Accounts` helper for finer control:
    ``accounts.user(role, email=None, password=None) -> Account`` creates a login directly
    (service layer, no HTTP); staff and admins get ``account.totp_secret`` and
    ``account.code()`` gives a valid TOTP code. ``accounts.platform(name) -> Account`` registers an
    API client (``account.client_id`` / ``account.client_secret``). ``accounts.sign_in(account)``
    signs in over HTTP and returns headers (tokens also kept in ``account.tokens``).
    ``accounts.session_headers(account)`` opens a new session directly (no password, no TOTP, no
    HTTP) — cheap, for tests that need many independent sessions.

``browser_login(role) -> BrowserLogin``
    Signs the ``client`` in through the ``/login`` form like a browser: ``GET /login`` (which sets
    the pre-session ``coopnode_login_csrf`` cookie), then ``POST /login`` with the form's
    ``csrf_token``; the session cookie stays in the client's cookie jar. ``.csrf_token`` (the
    session's token, not the login form's) must accompany unsafe requests (form field
    ``csrf_token`` or header ``X-CSRF-Token``); ``.headers`` is ``{"X-CSRF-Token": …}``.

``login_form_token(client) -> str``
    A plain function (``from tests.node.conftest import login_form_token``): ``GET /login`` and
    return the sign-in form's ``csrf_token``; the ``coopnode_login_csrf`` cookie stays in
    ``client``. Post it with the form, as a browser does.

``forge_tokens(headers) -> dict[str, str]``
    Bad variants of the access token in ``headers`` (a live session, so only the defect can be
    the reason for a refusal): ``expired``, ``tampered-payload``, ``tampered-signature``,
    ``alg-none`` (hand-made), ``wrong-key``, ``hs512-same-key``, ``rs256``, ``wrong-audience``,
    ``wrong-issuer``, ``missing-exp``, ``refresh-typ`` … Every one must get 401.

A TOTP code is accepted once: a second HTTP sign-in of the same staff/admin account in the same
test must use ``account.code(steps_ahead=1)``.

Argon2 runs with cheap parameters in these tests (autouse ``cheap_password_hashing``); production
parameters are tested explicitly in ``test_identity_passwords.py``.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pyotp
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from node.identity import clients, csrf, passwords, service, sessions
from node.identity.models import User
from node.identity.tokens import CLIENT_PREFIX, issue_access_token
from node.runtime import Node
from tests.realnodes import own_database  # noqa: F401 (the multi-node tests' fixture)

ROLES = ("member", "staff", "admin", "platform")
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    passwords.use_parameters(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords.use_parameters(**passwords.DEFAULT_PARAMETERS)


@dataclass
class Account:
    """A test login: a user (``id`` is the user id) or a platform client (``id`` its key)."""

    role: str
    id: int
    email: str | None = None
    password: str | None = None
    totp_secret: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    tokens: dict[str, Any] = field(default_factory=dict)

    def code(self, steps_ahead: int = 0) -> str:
        """A TOTP code for now (or ``steps_ahead`` 30-second steps later, within the drift)."""
        assert self.totp_secret, f"{self.role} has no second factor"
        return pyotp.TOTP(self.totp_secret).at(time.time() + 30 * steps_ahead)


class Accounts:
    def __init__(self, node: Node, client: TestClient) -> None:
        self.node = node
        self.client = client
        self._numbers = itertools.count(1)

    def user(self, role: str, email: str | None = None, password: str = PASSWORD) -> Account:
        email = email or f"{role}{next(self._numbers)}@example.org"
        with self.node.db.transaction() as session:
            created = service.create_user(
                session,
                self.node.settings,
                self.node.cipher,
                email=email,
                display_name=f"Test {role}",
                role=role,
                password=password,
                actor="test",
            )
            user_id = created.user.id
        return Account(role, user_id, email, password, created.totp_secret)

    def platform(self, name: str = "Test platform") -> Account:
        with self.node.db.transaction() as session:
            client, secret = clients.create_client(session, name=name, actor="test")
            return Account("platform", client.id, client_id=client.client_id, client_secret=secret)

    def sign_in(self, account: Account, steps_ahead: int = 0) -> dict[str, str]:
        if account.role == "platform":
            body = {
                "grant_type": "client_credentials",
                "client_id": account.client_id,
                "client_secret": account.client_secret,
            }
            response = self.client.post("/api/v1/auth/token", json=body)
        else:
            body = {"email": account.email, "password": account.password}
            if account.totp_secret:
                body["totp"] = account.code(steps_ahead)
            response = self.client.post("/api/v1/auth/login", json=body)
        assert response.status_code == 200, response.text
        account.tokens = response.json()
        return {"Authorization": f"Bearer {account.tokens['access_token']}"}

    def session_headers(self, account: Account) -> dict[str, str]:
        settings = self.node.settings
        if account.role == "platform":
            token, _ = issue_access_token(
                settings, subject=f"{CLIENT_PREFIX}{account.id}", role="platform", session_id=None
            )
            return {"Authorization": f"Bearer {token}"}
        with self.node.db.transaction() as session:
            user = session.get(User, account.id)
            assert user is not None
            started = sessions.start(session, settings, user, sessions.API)
        assert started.tokens is not None
        return {"Authorization": f"Bearer {started.tokens.access_token}"}


@pytest.fixture
def accounts(node: Node, client: TestClient) -> Accounts:
    return Accounts(node, client)


class LoginAs:
    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self._accounts: dict[str, Account] = {}
        self._headers: dict[str, dict[str, str]] = {}

    def account(self, role: str) -> Account:
        if role not in self._accounts:
            assert role in ROLES, f"unknown role {role!r}"
            if role == "platform":
                self._accounts[role] = self.accounts.platform()
            else:
                self._accounts[role] = self.accounts.user(role)
        return self._accounts[role]

    def __call__(self, role: str) -> dict[str, str]:
        if role not in self._headers:
            self._headers[role] = self.accounts.sign_in(self.account(role))
        return dict(self._headers[role])


@pytest.fixture
def login_as(accounts: Accounts) -> LoginAs:
    return LoginAs(accounts)


@dataclass
class BrowserLogin:
    account: Account
    session_id: str
    csrf_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf_token}


_FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def login_form_token(client: TestClient) -> str:
    """``GET /login`` and return the form's ``csrf_token`` (its cookie stays in ``client``)."""
    page = client.get("/login", follow_redirects=False)
    assert page.status_code == 200, page.text
    found = _FORM_TOKEN.search(page.text)
    assert found is not None, "the login form has no csrf_token"
    return found.group(1)


@pytest.fixture
def browser_login(accounts: Accounts, client: TestClient, node: Node) -> Any:
    def sign_in(role: str) -> BrowserLogin:
        account = accounts.user(role)
        form = {"email": account.email, "password": account.password}
        if account.totp_secret:
            form["totp"] = account.code()
        form["csrf_token"] = login_form_token(client)
        response = client.post("/login", data=form, follow_redirects=False)
        assert response.status_code == 303, response.text
        session_id = csrf.unsign_session(node.settings, client.cookies[csrf.COOKIE_NAME])
        assert session_id is not None
        return BrowserLogin(account, session_id, csrf.csrf_token(node.settings, session_id))

    return sign_in


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any], signature: str = "") -> str:
    parts = [_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), signature]
    return ".".join(parts)


def _flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def forge(key: str, claims: dict[str, Any]) -> dict[str, str]:
    """Every way a token of ``claims`` (signed HS256 with ``key`` when valid) can be wrong."""

    def sign(changes: dict[str, Any], signing_key: str = key, algorithm: str = "HS256") -> str:
        merged = {k: v for k, v in {**claims, **changes}.items() if v is not None}
        return jwt.encode(merged, signing_key, algorithm=algorithm)

    header, payload, signature = sign({}).split(".")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    return {
        "expired": sign({"iat": now - 3600, "exp": now - 60}),
        "tampered-payload": f"{header}.{_flip(payload, 10)}.{signature}",
        "tampered-signature": f"{header}.{payload}.{_flip(signature, 5)}",
        "alg-none": _unsigned({"alg": "none", "typ": "JWT"}, claims),
        "alg-none-with-signature": _unsigned({"alg": "none"}, claims, signature),
        "alg-None-capitalised": _unsigned({"alg": "None"}, claims),
        "wrong-key": sign({}, signing_key="another secret " * 4),
        "hs512-same-key": sign({}, algorithm="HS512"),
        "rs256": jwt.encode(claims, rsa_key, algorithm="RS256"),  # type: ignore[arg-type]
        "wrong-audience": sign({"aud": "https://elsewhere.example/api"}),
        "wrong-issuer": sign({"iss": "https://elsewhere.example"}),
        "missing-exp": sign({"exp": None}),
        "missing-role": sign({"role": None}),
        "refresh-typ": sign({"typ": "refresh"}),
        "not-a-jwt": "not-a-token",
        "empty-segments": "..",
    }


@pytest.fixture
def token_forge() -> Any:
    """:func:`forge` itself, for tests without a database: ``token_forge(key, claims)``."""
    return forge


@pytest.fixture
def forge_tokens(node: Node) -> Any:
    key = node.settings["security.secret_key"]

    def bad_variants(headers: dict[str, str]) -> dict[str, str]:
        token = headers["Authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, key, algorithms=["HS256"], options={"verify_aud": False})
        return forge(key, claims)

    return bad_variants


@pytest.fixture
def crew(node: Node, client: TestClient, accounts: Accounts) -> Any:
    """A :class:`tests.node.member_helpers.Crew`: staff and admin logins made up front (so they
    exist before a test counts rows), and helpers to create members and move shares."""
    from tests.node.member_helpers import Crew

    team = Crew(node, client, accounts)
    assert team.staff and team.admin
    return team
