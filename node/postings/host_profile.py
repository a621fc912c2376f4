"""What this node offers members of other co-ops who come to work in its country.

One row, set by an admin (``PUT /api/v1/postings/host`` or ``coopnode postings host``):

* the **local contact** named in every ``posting-answer/1`` (name, email, phone). The node's
  configuration has no contact fields, so it lives here; until it is set, posting notices are
  refused with ``no_local_contact`` (an answer without a contact would leave the member alone);
* the **services** offered to visiting members (``{"code", "name"}``, e.g. a desk, a labour-law
  helpdesk), advertised in the node's descriptor (``/.well-known/coopnode``, optional
  ``services``) and repeated in each answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from node import audit
from node.db.types import utcnow
from node.errors import FieldError, ValidationProblem
from node.postings.models import HostProfile

PROFILE_ID = 1
ENTITY = "posting_host_profile"
MAX_SERVICES = 50
# As the posting-answer/1 and common/1 schemas require, so what is stored can always be sent.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ./()-]{4,40}$")
CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def profile(session: Session) -> HostProfile | None:
    return session.get(HostProfile, PROFILE_ID)


def advertised_services(session: Session) -> tuple[dict[str, str], ...]:
    """The services of the descriptor and of posting answers (none until an admin sets them)."""
    row = profile(session)
    return tuple(dict(service) for service in row.services) if row is not None else ()


def local_contact(row: HostProfile) -> dict[str, str]:
    contact = {"name": row.contact_name, "email": row.contact_email}
    if row.contact_phone:
        contact["phone"] = row.contact_phone
    return contact


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _checked_services(
    services: Sequence[dict[str, Any]],
) -> tuple[list[dict[str, str]], list[FieldError]]:
    errors: list[FieldError] = []
    found: list[dict[str, str]] = []
    if len(services) > MAX_SERVICES:
        errors.append(FieldError("services", f"At most {MAX_SERVICES} services.", "too_many"))
    for index, service in enumerate(services[:MAX_SERVICES]):
        code, name = str(service.get("code", "")), _clean(str(service.get("name", "")))
        if not CODE.match(code):
            errors.append(
                FieldError(f"services.{index}.code", "Use lowercase snake_case.", "invalid")
            )
        elif code in {s["code"] for s in found}:
            errors.append(FieldError(f"services.{index}.code", "Listed twice.", "duplicate"))
        if not 1 <= len(name) <= 200:
            errors.append(FieldError(f"services.{index}.name", "1 to 200 characters.", "invalid"))
        found.append({"code": code, "name": name})
    return found, errors


def set_profile(
    session: Session,
    *,
    contact_name: str,
    contact_email: str,
    contact_phone: str | None,
    services: Sequence[dict[str, Any]],
    actor: str,
    request_id: str | None = None,
) -> HostProfile:
    """Replace the contact and the services (422 naming each bad field; nothing changes then)."""
    name, email, phone = _clean(contact_name), contact_email.strip(), _clean(contact_phone)
    errors: list[FieldError] = []
    if not 1 <= len(name) <= 200:
        errors.append(FieldError("contact_name", "1 to 200 characters.", "invalid"))
    if len(email) > 254 or not EMAIL.match(email):
        errors.append(FieldError("contact_email", "Not a valid email.", "invalid"))
    if phone and not PHONE.match(phone):
        errors.append(FieldError("contact_phone", "Not a valid phone number.", "invalid"))
    checked, service_errors = _checked_services(services)
    if errors or service_errors:
        raise ValidationProblem(errors + service_errors)
    row = profile(session)
    before = _audited(row)
    if row is None:
        row = HostProfile(id=PROFILE_ID)
        session.add(row)
    row.contact_name, row.contact_email, row.contact_phone = name, email, phone or None
    row.services, row.updated_by, row.updated_at = checked, actor[:120], utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="postings.host_profile.set",
        entity=ENTITY,
        entity_id=PROFILE_ID,
        changes=audit.diff(before, _audited(row)),
        request_id=request_id,
    )
    return row


def _audited(row: HostProfile | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {"local_contact": local_contact(row), "services": [dict(s) for s in row.services]}


def profile_view(row: HostProfile | None) -> dict[str, Any]:
    if row is None:
        return {"local_contact": None, "services": []}
    return {
        "local_contact": local_contact(row),
        "services": [dict(service) for service in row.services],
        "updated_by": row.updated_by,
        "updated_at": row.updated_at,
    }
