"""Password hashing: argon2id, verified in constant work, upgraded when parameters change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from node.errors import ValidationProblem
from node.identity import passwords


@pytest.fixture
def production_parameters() -> Iterator[None]:
    passwords.use_parameters(**passwords.DEFAULT_PARAMETERS)
    yield
    passwords.use_parameters(**passwords.DEFAULT_PARAMETERS)


def test_hashes_are_argon2id_with_the_production_parameters(production_parameters: None) -> None:
    hashed = passwords.hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert "m=65536,t=3,p=4" in hashed
    assert passwords.verify_password(hashed, "correct horse battery staple")
    assert not passwords.verify_password(hashed, "correct horse battery stapler")
    assert not passwords.needs_rehash(hashed)


def test_hashes_are_salted() -> None:
    assert passwords.hash_password("same password!") != passwords.hash_password("same password!")


def test_a_hash_made_with_older_parameters_needs_rehashing() -> None:
    passwords.use_parameters(time_cost=1, memory_cost=1024, parallelism=1)
    old = passwords.hash_password("correct horse battery staple")
    passwords.use_parameters(time_cost=2, memory_cost=2048, parallelism=1)
    assert passwords.verify_password(old, "correct horse battery staple")
    assert passwords.needs_rehash(old)
    assert not passwords.needs_rehash(passwords.hash_password("x" * 12))


@pytest.mark.parametrize("stored", ["", "plain", "$argon2id$broken", "!erased"])
def test_malformed_stored_hashes_match_nothing(stored: str) -> None:
    assert not passwords.verify_password(stored, "anything at all")
    assert passwords.needs_rehash(stored)


def test_overlong_passwords_are_refused_without_hashing_them() -> None:
    hashed = passwords.hash_password("x" * 12)
    assert not passwords.verify_password(hashed, "x" * (passwords.MAX_LENGTH + 1))


def test_policy() -> None:
    passwords.check_policy("x" * passwords.MIN_LENGTH)
    with pytest.raises(ValidationProblem) as short:
        passwords.check_policy("x" * (passwords.MIN_LENGTH - 1))
    assert short.value.errors[0].code == "too_short"
    with pytest.raises(ValidationProblem):
        passwords.check_policy("x" * (passwords.MAX_LENGTH + 1))


def test_generated_passwords_pass_the_policy_and_differ() -> None:
    first, second = passwords.generate_password(), passwords.generate_password()
    passwords.check_policy(first)
    assert first != second


def test_burn_spends_a_verification_without_failing() -> None:
    passwords.burn()
