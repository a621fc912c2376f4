"""Roles and the authenticated principal every request carries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a caller is. Staff and admins see every member; a member sees only their own records;
    a platform is an API client (e.g. a courier platform) acting for the co-op."""

    MEMBER = "member"
    STAFF = "staff"
    ADMIN = "admin"
    PLATFORM = "platform"


STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})
ROLES_NEEDING_TOTP = STAFF_ROLES


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (with a login session) or an API client."""

    role: Role
    user_id: int | None = None
    client_id: int | None = None
    session_id: str | None = None
    member_id: int | None = None
    via_cookie: bool = False

    @property
    def actor(self) -> str:
        """How the audit trail names this caller."""
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return f"client:{self.client_id}"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def may_see_member(self, member_id: int) -> bool:
        """Staff see everyone; a member only themselves; platforms no member records."""
        return self.is_staff or (self.role is Role.MEMBER and self.member_id == member_id)
