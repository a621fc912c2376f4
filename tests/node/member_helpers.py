"""Helpers for the member, share and client tests: valid identifiers, people with logins, a toy
plugin that records events.

Logins come from the identity fixtures (``accounts`` in ``tests/node/conftest.py``); a member's
login is linked to their member record through ``Member.user_id``, which is how the API knows
which record is the caller's own.
"""

from __future__ import annotations

import itertools
import types
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from starlette.testclient import TestClient

from node.audit.models import AuditEntry
from node.db import Base
from node.members.models import Member
from node.runtime import Node
from plugins import hookimpl

IBANS = ("BE68539007547034", "FR1420041010050500013M02606", "DE89370400440532013000")
FR_NIR = "295109912611193"  # from python-stdnum's docstring
DE_IDNR = "36574261809"
BE_COMPANY = "0403019261"
BE_VAT = "BE0403019261"
FR_VAT = "FR40303265045"


def be_national_id(serial: int) -> str:
    """A valid Belgian national number for someone born on 30 July 1985 (serial 1..997)."""
    first = 850730000 + serial
    return f"{first:09d}{97 - first % 97:02d}"


_serials = itertools.count(1)


def member_body(**overrides: Any) -> dict[str, Any]:
    """A valid ``POST /api/v1/members`` body with a fresh email and national id."""
    n = next(_serials)
    body: dict[str, Any] = {
        "name": f"Member {n}",
        "email": f"person{n}@example.org",
        "home_country": "BE",
        "language": "fr",
        "national_id": be_national_id(n),
        "iban": IBANS[0],
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def count_rows(node: Node, model: type[Base]) -> int:
    with node.db.reading() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def state_counts(node: Node, *models: type[Base]) -> dict[str, int]:
    """Row counts of the audit trail and ``models``: equal before and after a refused request."""
    return {m.__tablename__: count_rows(node, m) for m in (AuditEntry, *models)}


@dataclass
class Crew:
    """Callers of each role, made directly (no HTTP login) with the identity fixtures."""

    node: Node
    client: TestClient
    accounts: Any
    _headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        if role not in self._headers:
            self._headers[role] = self.accounts.session_headers(self.accounts.user(role))
        return self._headers[role]

    @property
    def staff(self) -> dict[str, str]:
        return self.headers("staff")

    @property
    def admin(self) -> dict[str, str]:
        return self.headers("admin")

    def create_member(self, **overrides: Any) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/members", json=member_body(**overrides), headers=self.staff
        )
        assert response.status_code == 201, response.text
        return response.json()

    def member_login(self, **overrides: Any) -> tuple[dict[str, Any], dict[str, str]]:
        """A member record linked to a new member login; returns (record, headers)."""
        account = self.accounts.user("member")
        record = self.create_member(user_id=account.id, **overrides)
        return record, self.accounts.session_headers(account)

    def member(self, member_id: int) -> Member:
        with self.node.db.reading() as session:
            member = session.get(Member, member_id)
            assert member is not None
            session.expunge(member)  # keep its loaded values after the read ends
            return member

    def subscribe(
        self,
        member_id: int,
        count: int = 1,
        share_class: str = "A",
        key: str | None = None,
        **extra: Any,
    ) -> Any:
        return self._move("subscriptions", member_id, count, share_class, key, extra)

    def redeem(
        self,
        member_id: int,
        count: int = 1,
        share_class: str = "A",
        key: str | None = None,
        **extra: Any,
    ) -> Any:
        return self._move("redemptions", member_id, count, share_class, key, extra)

    def _move(
        self,
        kind: str,
        member_id: int,
        count: int,
        share_class: str,
        key: str | None,
        extra: dict[str, Any],
    ) -> Any:
        body = {
            "share_class": share_class,
            "count": count,
            "idempotency_key": key or f"{kind}-{member_id}-{next(_serials)}",
            **extra,
        }
        return self.client.post(
            f"/api/v1/members/{member_id}/shares/{kind}", json=body, headers=self.staff
        )


def event_recorder(node: Node) -> list[tuple[str, Any, bool]]:
    """Register a toy plugin on ``node`` that records ``(hook, event, committed)`` per call.

    ``committed`` is whether a fresh session can already see the new row when the hook runs,
    which proves the hook is called only after the commit.
    """
    from node.clients.models import Client

    seen: list[tuple[str, Any, bool]] = []
    plugin = types.ModuleType("coop_toy_event_recorder")
    plugin.COOPNODE_HOOK_API = 1  # type: ignore[attr-defined]

    def visible(model: type[Base], row_id: int) -> bool:
        with node.db.reading() as session:
            return session.get(model, row_id) is not None

    @hookimpl
    def coop_on_member_joined(event: Any) -> None:
        seen.append(("member_joined", event, visible(Member, event.member_id)))

    @hookimpl
    def coop_on_client_created(event: Any) -> None:
        seen.append(("client_created", event, visible(Client, event.client_id)))

    plugin.coop_on_member_joined = coop_on_member_joined  # type: ignore[attr-defined]
    plugin.coop_on_client_created = coop_on_client_created  # type: ignore[attr-defined]
    node.plugins.register(plugin)
    return seen
