"""TOTP: RFC 6238 codes, one step of clock drift either way, and no replay."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from node.identity import totp

NOW = 1_800_000_000.0  # a fixed instant, so the tests never straddle a step boundary by chance


def code_at(secret: str, when: float) -> str:
    return pyotp.TOTP(secret).at(when)


def test_new_secrets_are_160_bit_base32_and_differ() -> None:
    first, second = totp.new_secret(), totp.new_secret()
    assert len(first) == 32 and first != second
    assert set(first) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_the_current_code_is_accepted_and_its_step_returned() -> None:
    secret = totp.new_secret()
    step = totp.verify(secret, code_at(secret, NOW), last_step=None, now=NOW)
    assert step == int(NOW // 30)


@pytest.mark.parametrize("offset", [-30, 30])
def test_one_step_of_drift_either_way_is_accepted(offset: int) -> None:
    secret = totp.new_secret()
    assert totp.verify(secret, code_at(secret, NOW + offset), last_step=None, now=NOW) is not None


@pytest.mark.parametrize("offset", [-90, -60, 60, 90])
def test_codes_further_away_are_refused(offset: int) -> None:
    secret = totp.new_secret()
    assert totp.verify(secret, code_at(secret, NOW + offset), last_step=None, now=NOW) is None


def test_a_code_cannot_be_used_twice_nor_an_older_one_after_it() -> None:
    secret = totp.new_secret()
    step = totp.verify(secret, code_at(secret, NOW), last_step=None, now=NOW)
    assert totp.verify(secret, code_at(secret, NOW), last_step=step, now=NOW) is None
    assert totp.verify(secret, code_at(secret, NOW - 30), last_step=step, now=NOW) is None
    assert totp.verify(secret, code_at(secret, NOW + 30), last_step=step, now=NOW) == step + 1


def test_a_code_of_another_secret_is_refused() -> None:
    secret, other = totp.new_secret(), totp.new_secret()
    assert totp.verify(secret, code_at(other, NOW), last_step=None, now=NOW) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("123456", "123456"),
        (" 123 456 ", "123456"),
        ("12345", None),
        ("12345a", None),
        ("", None),
        (None, None),
        ("1234567", None),
    ],
)
def test_normalise(typed: str | None, expected: str | None) -> None:
    assert totp.normalise(typed) == expected


def test_the_provisioning_uri_names_the_issuer_and_account() -> None:
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, account="ada@example.org", issuer="Demo co-op")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    query = parse_qs(parts.query)
    assert query["secret"] == [secret] and query["issuer"] == ["Demo co-op"]
    assert "ada%40example.org" in parts.path or "ada@example.org" in parts.path


def test_verify_defaults_to_the_clock() -> None:
    secret = totp.new_secret()
    assert totp.verify(secret, pyotp.TOTP(secret).now(), last_step=None) is not None
