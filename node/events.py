"""Event snapshots handed to ``coop_on_*`` hooks after their transaction commits.

They are frozen plain values, never live database rows: the session is closed by the time a
hook runs, and a plugin must not be able to write through them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class MemberJoined:
    member_id: int
    status: str
    home_country: str
    language: str
    at: datetime


@dataclass(frozen=True)
class ClientCreated:
    client_id: int
    kind: str
    name: str
    country: str
    vat_number: str | None
    at: datetime


@dataclass(frozen=True)
class IbanChangeRequested:
    """A change of a member's IBAN: requested (``effective_at`` None, awaiting a second staff
    approval) or approved (``effective_at``: when payouts start using it). The new IBAN is masked
    (None: the change removes the IBAN)."""

    change_id: int
    member_id: int
    new_iban_masked: str | None
    effective_at: datetime | None
    at: datetime
