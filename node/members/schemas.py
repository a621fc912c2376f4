"""JSON Schemas of member input, shared by the API and the CSV import so both doors check the same.

The schemas check shapes (types, lengths, ISO codes, dates, enums); the service then checks what
needs a library or the database (national ids, IBANs, uniqueness, status rules).
"""

from __future__ import annotations

from typing import Any

from node.members.models import MemberKind, MemberStatus
from node.web.validation import COUNTRY, DATE, EMAIL, LANGUAGE, obj

NAME = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"}
NATIONAL_ID = {"type": "string", "minLength": 1, "maxLength": 40}
IBAN_TEXT = {"type": "string", "minLength": 1, "maxLength": 50}
URL = {"type": "string", "minLength": 1, "maxLength": 255}
USER_ID = {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}
KIND = {"type": "string", "enum": [k.value for k in MemberKind]}
CREATE_STATUSES = [
    MemberStatus.APPLICANT.value,
    MemberStatus.ACTIVE.value,
    MemberStatus.GUEST.value,
]


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


#: Creating a member (staff). ``status`` defaults to applicant; a guest needs ``home_node_url``.
MEMBER_CREATE = obj(
    {
        "name": NAME,
        "email": EMAIL,
        "home_country": COUNTRY,
        "language": LANGUAGE,
        "national_id": NATIONAL_ID,
        "iban": IBAN_TEXT,
        "kind": KIND,
        "status": {"type": "string", "enum": CREATE_STATUSES},
        "home_node_url": URL,
        "joined_on": DATE,
        "user_id": USER_ID,
    },
    required=("name", "email", "home_country", "language"),
)

#: Fields a member may change on their own record; staff may change every field of MEMBER_UPDATE.
MEMBER_SELF_FIELDS = frozenset({"language", "iban"})

#: Changing a member (staff: any field; the member themselves: MEMBER_SELF_FIELDS only).
#: ``null`` clears an optional field (IBAN, a guest's national id, the login link).
MEMBER_UPDATE = obj(
    {
        "name": NAME,
        "email": EMAIL,
        "home_country": COUNTRY,
        "language": LANGUAGE,
        "national_id": _nullable(NATIONAL_ID),
        "iban": _nullable(IBAN_TEXT),
        "kind": KIND,
        "home_node_url": _nullable(URL),
        "user_id": _nullable(USER_ID),
    }
)
MEMBER_UPDATE["minProperties"] = 1

STATUS_CHANGE = obj(
    {
        "status": {"type": "string", "enum": [s.value for s in MemberStatus]},
        "on": DATE,
    },
    required=("status",),
)

MEMBER_LIST_QUERY = obj(
    {
        "status": {"type": "string", "enum": [s.value for s in MemberStatus]},
        "kind": KIND,
        "limit": {"type": "integer", "minimum": 1, "maximum": 200},
        "offset": {"type": "integer", "minimum": 0, "maximum": 10_000_000},
    }
)

REVEAL_QUERY = obj({"reveal": {"type": "string", "enum": ["true", "false"]}})
