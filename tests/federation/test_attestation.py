"""Consent tokens: one asker, one purpose, expiring; answers disclose only what the member allowed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from federation.attestation import (
    Consent,
    MemberStanding,
    answer_body,
    check_answer,
    issue_consent,
    verify_consent,
)
from federation.envelope import sign, verify
from federation.errors import (
    Code,
    Expired,
    InvalidBody,
    Malformed,
    RevokedKey,
    UnknownKey,
    WrongAudience,
)
from federation.keys import KeySet, SigningKey
from federation.schemas import default_catalogue
from tests.federation.conftest import NOW, START, A, B, ping

SUBJECT = "m_7Hq2LxP0aZ91kD"
PURPOSE = "value_chain_contribution"
FACTS = {
    "display_name": "Ana",
    "member_since": "2021-03-01",
    "home_country": "BE",
    "share_class": "A",
}


def consent_token(key: SigningKey, **overrides: object) -> str:
    args: dict[str, object] = {
        "home": A,
        "audience": B,
        "subject": SUBJECT,
        "purpose": PURPOSE,
        "fields": ["display_name", "home_country"],
        "now": NOW,
    }
    args.update(overrides)
    return issue_consent(key, **args)  # type: ignore[arg-type]


def check(token: str, keys: KeySet, **overrides: object) -> Consent:
    args: dict[str, object] = {
        "home": A,
        "home_keys": keys,
        "asker": B,
        "purpose": PURPOSE,
        "now": NOW,
    }
    args.update(overrides)
    return verify_consent(token, **args)  # type: ignore[arg-type]


def test_issue_and_verify(key_a: SigningKey, keys_a: KeySet) -> None:
    consent = check(consent_token(key_a), keys_a)
    assert (consent.home, consent.audience, consent.subject) == (A, B, SUBJECT)
    assert consent.fields == ("display_name", "home_country")
    assert consent.expires_at - consent.issued_at == timedelta(days=1)
    assert check(consent_token(key_a), keys_a).jti != consent.jti  # each token is single-use


def test_single_asker_and_purpose(key_a: SigningKey, keys_a: KeySet) -> None:
    token = consent_token(key_a)
    with pytest.raises(WrongAudience):
        check(token, keys_a, asker="https://coop-c.example")
    with pytest.raises(WrongAudience):
        check(token, keys_a, purpose="hosting")
    with pytest.raises(WrongAudience):
        check(token, keys_a, home="https://coop-c.example")


def test_expiry(key_a: SigningKey, keys_a: KeySet) -> None:
    token = consent_token(key_a, lifetime=timedelta(hours=2))
    assert check(token, keys_a, now=NOW + timedelta(hours=1))
    with pytest.raises(Expired):
        check(token, keys_a, now=NOW + timedelta(hours=3))
    with pytest.raises(ValueError, match="at most"):
        consent_token(key_a, lifetime=timedelta(days=8))


def test_signed_by_home_only(key_a: SigningKey, other_key: SigningKey, keys_a: KeySet) -> None:
    with pytest.raises(UnknownKey):
        check(consent_token(other_key), keys_a)
    with pytest.raises(RevokedKey):
        check(consent_token(key_a), keys_a.revoke(key_a.kid, NOW))


def test_still_valid_after_rotation(
    key_a: SigningKey, other_key: SigningKey, keys_a: KeySet
) -> None:
    """Issued before a rotation, used after the old key's grace: signed inside its window."""
    token = consent_token(key_a)
    later = NOW + timedelta(hours=3)
    rotated = keys_a.rotate(
        other_key.public(NOW + timedelta(hours=1)), NOW + timedelta(hours=1), timedelta(minutes=20)
    )
    assert check(token, rotated, now=later).subject == SUBJECT


def test_not_interchangeable_with_messages(key_a: SigningKey, keys_a: KeySet) -> None:
    with pytest.raises(Malformed, match="typ"):
        check(ping(key_a), keys_a)
    with pytest.raises(Malformed, match="typ"):
        verify(consent_token(key_a), lambda iss: keys_a, B, NOW)


def test_no_bare_national_id(key_a: SigningKey) -> None:
    with pytest.raises(Malformed):
        consent_token(key_a, subject="85.07.30-033.28")
    with pytest.raises(Malformed):
        consent_token(key_a, fields=["national_id"])


def test_answer_discloses_only_allowed_fields(key_a: SigningKey, keys_a: KeySet) -> None:
    consent = check(consent_token(key_a), keys_a)
    body = answer_body("req-1", consent, MemberStanding(True, FACTS))
    assert body["in_good_standing"] is True
    assert body["fields"] == {"display_name": "Ana", "home_country": "BE"}
    assert default_catalogue().errors("attestation-answer", 1, body) == []
    check_answer(body, consent)


@pytest.mark.parametrize("member", [None, MemberStanding(False, FACTS)])
def test_no_answer_discloses_nothing(
    member: MemberStanding | None, key_a: SigningKey, keys_a: KeySet
) -> None:
    consent = check(consent_token(key_a), keys_a)
    body = answer_body("req-1", consent, member)
    assert body == {
        "request": "req-1",
        "subject": SUBJECT,
        "purpose": PURPOSE,
        "in_good_standing": False,
        "fields": {},
    }


def test_asker_refuses_an_over_sharing_answer(key_a: SigningKey, keys_a: KeySet) -> None:
    consent = check(consent_token(key_a, fields=["display_name"]), keys_a)
    body = answer_body("req-1", consent, MemberStanding(True, FACTS))
    check_answer(body, consent)
    with pytest.raises(InvalidBody):
        check_answer({**body, "fields": {**body["fields"], "share_class": "A"}}, consent)
    with pytest.raises(InvalidBody):
        check_answer({**body, "subject": "m_someone_else_000"}, consent)


def test_full_exchange(key_a: SigningKey, other_key: SigningKey, keys_a: KeySet) -> None:
    """B asks A with the member's token; A checks it and answers in a signed message."""
    keys_b = KeySet.of([other_key.public(START)])
    token = consent_token(key_a)
    request = sign(
        other_key,
        iss=B,
        aud=A,
        type="attestation-request/1",
        body={"consent": token, "purpose": PURPOSE},
        now=NOW,
    )
    received = verify(request, lambda iss: keys_b, A, NOW)
    consent = check(
        received.body["consent"], keys_a, asker=received.iss, purpose=received.body["purpose"]
    )
    answer = sign(
        key_a,
        iss=A,
        aud=B,
        type="attestation-answer/1",
        body=answer_body(received.jti, consent, MemberStanding(True, FACTS)),
        now=NOW,
        conversation=received.conversation,
        seq=1,
    )
    got = verify(answer, lambda iss: keys_a, B, NOW)
    assert got.body["fields"] == {"display_name": "Ana", "home_country": "BE"}
    assert got.body["request"] == received.jti


def test_presented_by_the_wrong_node_in_an_envelope(
    key_a: SigningKey, other_key: SigningKey, keys_a: KeySet
) -> None:
    token = consent_token(key_a, audience="https://coop-c.example")
    with pytest.raises(WrongAudience) as caught:
        check(token, keys_a, asker=B)
    assert caught.value.code is Code.WRONG_AUDIENCE
