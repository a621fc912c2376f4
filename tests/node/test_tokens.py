"""Access tokens: only well-formed HS256 tokens of this node, unexpired, naming a live session.

The first half checks :func:`decode_access_token` alone; the second goes through HTTP, where every
bad token must be a 401 problem document and revocation must take effect at once.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from node.config import Settings
from node.errors import Unauthorized
from node.identity.tokens import decode_access_token, hash_token, issue_access_token, new_token
from tests.conftest import make_settings

PROBLEM = "application/problem+json"


@pytest.fixture
def pure_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def claims_for(settings: Settings) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": settings["node.base_url"],
        "aud": settings["node.base_url"] + "/api",
        "sub": "user:1",
        "role": "member",
        "iat": now,
        "exp": now + 600,
        "jti": "x",
        "typ": "access",
        "sid": "s",
    }


@pytest.fixture
def bad_tokens(pure_settings: Settings, token_forge: Any) -> dict[str, str]:
    tokens: dict[str, str] = token_forge(
        pure_settings["security.secret_key"], claims_for(pure_settings)
    )
    return tokens


def test_the_unaltered_claims_would_be_accepted(pure_settings: Settings) -> None:
    """The control: the forged variants below differ from a good token only by their defect."""
    good = jwt.encode(claims_for(pure_settings), pure_settings["security.secret_key"], "HS256")
    assert decode_access_token(pure_settings, good).subject == "user:1"


def test_a_token_issued_by_the_node_decodes(pure_settings: Settings) -> None:
    token, expires = issue_access_token(
        pure_settings, subject="user:7", role="staff", session_id="abc"
    )
    claims = decode_access_token(pure_settings, token)
    assert (claims.subject, claims.role, claims.session_id) == ("user:7", "staff", "abc")
    assert claims.expires_at == expires.replace(microsecond=0)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "tampered-payload",
        "tampered-signature",
        "alg-none",
        "alg-none-with-signature",
        "alg-None-capitalised",
        "wrong-key",
        "hs512-same-key",
        "rs256",
        "wrong-audience",
        "wrong-issuer",
        "missing-exp",
        "missing-role",
        "refresh-typ",
        "not-a-jwt",
        "empty-segments",
    ],
)
def test_bad_tokens_are_refused(
    pure_settings: Settings, bad_tokens: dict[str, str], case: str
) -> None:
    with pytest.raises(Unauthorized):
        decode_access_token(pure_settings, bad_tokens[case])


def test_expired_token_says_so(pure_settings: Settings, bad_tokens: dict[str, str]) -> None:
    with pytest.raises(Unauthorized, match="expired"):
        decode_access_token(pure_settings, bad_tokens["expired"])


def test_opaque_tokens_are_random_and_stored_hashed() -> None:
    first, second = new_token(), new_token()
    assert first != second and len(first) >= 43
    assert hash_token(first) == hash_token(first) != hash_token(second)
    assert len(hash_token(first)) == 64 and first not in hash_token(first)


# --- over HTTP ---------------------------------------------------------------------------------


def assert_401(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_every_bad_variant_of_a_live_token_gets_401_over_http(
    client: TestClient, login_as: Any, forge_tokens: Any
) -> None:
    headers = login_as("admin")
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # the control
    for case, token in forge_tokens(headers).items():
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, case
        assert_401(response)


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "Token abc"])
def test_malformed_authorization_headers_get_401(client: TestClient, header: str) -> None:
    assert_401(client.get("/api/v1/me", headers={"Authorization": header}))


def test_a_valid_token_for_a_session_that_does_not_exist_gets_401(
    client: TestClient, settings: Settings
) -> None:
    token, _ = issue_access_token(settings, subject="user:1", role="admin", session_id="nope")
    assert_401(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}))


def test_logout_revokes_the_access_token_at_once(client: TestClient, login_as: Any) -> None:
    headers = login_as("member")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert_401(client.get("/api/v1/me", headers=headers))
    refresh = login_as.account("member").tokens["refresh_token"]
    assert_401(client.post("/api/v1/auth/refresh", json={"refresh_token": refresh}))


def test_deactivated_user_gets_401(client: TestClient, login_as: Any) -> None:
    admin, member = login_as("admin"), login_as("member")
    user_id = login_as.account("member").id
    response = client.post(f"/api/v1/users/{user_id}/deactivate", headers=admin)
    assert response.status_code == 200, response.text
    assert_401(client.get("/api/v1/me", headers=member))


def test_revoked_api_client_gets_401(client: TestClient, login_as: Any) -> None:
    admin, platform = login_as("admin"), login_as("platform")
    assert client.get("/api/v1/me", headers=platform).json()["role"] == "platform"
    client_pk = login_as.account("platform").id
    assert client.post(f"/api/v1/api-clients/{client_pk}/revoke", headers=admin).status_code == 200
    assert_401(client.get("/api/v1/me", headers=platform))


def test_a_token_whose_role_claim_is_stale_gets_401(
    client: TestClient, settings: Settings, accounts: Any
) -> None:
    member = accounts.user("member")
    headers = accounts.session_headers(member)
    token = headers["Authorization"].split()[1]
    sid = jwt.decode(token, options={"verify_signature": False})["sid"]
    forged, _ = issue_access_token(
        settings, subject=f"user:{member.id}", role="admin", session_id=sid
    )
    assert_401(client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}))


def test_a_platform_token_for_a_user_subject_is_refused(
    client: TestClient, settings: Settings, accounts: Any
) -> None:
    platform = accounts.platform()
    token, _ = issue_access_token(
        settings, subject=f"client:{platform.id}", role="admin", session_id=None
    )
    assert_401(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}))
