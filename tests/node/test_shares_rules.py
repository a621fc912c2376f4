"""Share rules at the service level, and the minor-unit money helpers."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from node.errors import Conflict
from node.members import service as members
from node.members.identifiers import Vault
from node.money import from_minor, to_minor
from node.shares import service as shares
from node.shares.terms import Terms
from tests.node.member_helpers import be_national_id


def test_minor_units_are_exact() -> None:
    assert to_minor(Decimal("30.00"), "EUR") == 3000
    assert to_minor(Decimal("30"), "JPY") == 30
    assert from_minor(3000, "EUR") == Decimal("30.00")
    assert str(from_minor(-5, "EUR")) == "-0.05"
    with pytest.raises(ValueError, match="more decimals"):
        to_minor(Decimal("30.005"), "EUR")


def test_terms_refuse_a_nominal_value_finer_than_the_currency(tmp_path) -> None:
    from node.errors import ConfigError
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, **{"shares.nominal_value": "12.345"})
    with pytest.raises(ConfigError, match=r"shares\.nominal_value"):
        Terms.from_settings(settings)


def _member(node, session, serial: int, status: str = "active"):
    vault = Vault.from_settings(node.settings, node.cipher)
    return members.create_member(
        session,
        vault,
        node.jurisdictions,
        actor="test",
        name=f"M{serial}",
        email=f"rules{serial}@example.org",
        home_country="BE",
        language="en",
        national_id=be_national_id(500 + serial),
        status=status,
    )


def test_redeem_only_on_leaving(node) -> None:
    terms = replace(Terms.from_settings(node.settings), redeem_only_on_leaving=True)
    vault = Vault.from_settings(node.settings, node.cipher)
    with node.db.transaction() as session:
        member = _member(node, session, 1)
        shares.subscribe(
            session,
            terms,
            member,
            share_class="A",
            count=3,
            idempotency_key="rules-sub-0001",
            actor="test",
        )
        with pytest.raises(Conflict, match="only when a member leaves"):
            shares.redeem(
                session,
                terms,
                member,
                share_class="A",
                count=1,
                idempotency_key="rules-red-0001",
                actor="test",
            )
        members.change_status(session, vault, member, "left", actor="test")
        row, new = shares.redeem(
            session,
            terms,
            member,
            share_class="A",
            count=3,
            idempotency_key="rules-red-0002",
            actor="test",
        )
        assert new and row.signed_count == -3
        assert shares.holdings(session, member.id) == {"A": 0, "B": 0}
        again, new = shares.redeem(
            session,
            terms,
            member,
            share_class="A",
            count=3,
            idempotency_key="rules-red-0002",
            actor="test",
        )
        assert again.id == row.id and not new


def test_unit_value_is_the_one_in_force_when_recorded(node) -> None:
    terms = Terms.from_settings(node.settings)
    dearer = replace(terms, nominal_value=Decimal("50.00"), unit_value_minor=5000)
    with node.db.transaction() as session:
        member = _member(node, session, 2)
        shares.subscribe(
            session,
            terms,
            member,
            share_class="A",
            count=1,
            idempotency_key="rules-sub-0101",
            actor="test",
        )
        shares.subscribe(
            session,
            dearer,
            member,
            share_class="A",
            count=1,
            idempotency_key="rules-sub-0102",
            actor="test",
        )
        view = shares.present_holdings(session, terms, member.id)
    assert view["holdings"]["A"] == {"count": 2, "capital": Decimal("80.00")}
    assert [t["unit_value"] for t in view["transactions"]] == [Decimal("30.00"), Decimal("50.00")]
