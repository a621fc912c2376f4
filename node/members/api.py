"""HTTP API of members.

Who may do what:

* Staff and admins create, list, read and change any member and change their status. Lists and
  records show national ids and IBANs masked; ``?reveal=true`` shows them in full and is audited.
* A member reads their own record (identifiers in full: it is their own data), changes only their
  language and IBAN (the rest was checked by the co-op at onboarding, so staff change it) and
  exports it. Anyone else's record answers 404, exactly like an id that does not exist, so a
  member cannot even learn that another member exists.
* Admins erase (pseudonymise) a member.
* Changing an IBAN already on file (by the member or by staff) only records a pending change,
  shown masked as ``pending_iban_change`` in the member's record; staff other than its requester
  (and never the member concerned) approve or cancel it under ``/api/v1/iban-changes``
  (:mod:`node.members.iban_changes`).
"""

from __future__ import annotations

from typing import Any

from node import audit
from node.errors import FieldError, NotFound, ValidationProblem
from node.members import iban_changes, privacy, service
from node.members.identifiers import Vault
from node.members.models import Member
from node.members.schemas import (
    MEMBER_CREATE,
    MEMBER_LIST_QUERY,
    MEMBER_SELF_FIELDS,
    MEMBER_UPDATE,
    REVEAL_QUERY,
    STATUS_CHANGE,
)
from node.shares.terms import Terms
from node.web.api import ADMIN, ANY_USER, STAFF, Call, api_route
from node.web.validation import obj

TAG = "members"
ONE = "/api/v1/members/{member_id:int}"


def vault(call: Call) -> Vault:
    return Vault.from_settings(call.settings, call.node.cipher)


def visible_member(call: Call, member_id: int) -> Member:
    """The member if the caller may see them; the same 404 for a hidden and an absent record."""
    principal = call.caller()
    member = None
    if principal.may_see_member(member_id):
        member = service.get_member(call.session, member_id)
    if member is None:
        raise NotFound("No such member.")
    return member


def _is_self(call: Call, member: Member) -> bool:
    return call.caller().member_id == member.id


def present_one(call: Call, member: Member, *, full: bool) -> dict[str, Any]:
    """One member's record, with their open IBAN change (masked) if any."""
    record = service.present(member, vault(call), full=full)
    record["pending_iban_change"] = iban_changes.present_open(call.session, vault(call), member.id)
    return record


@api_route(
    "POST",
    "/api/v1/members",
    summary="Create a member (applicant, active or guest).",
    roles=STAFF,
    tag=TAG,
    body=MEMBER_CREATE,
    status=201,
)
def create_member(call: Call) -> dict[str, Any]:
    """Staff onboard a member; the national id is checked by the home country's jurisdiction."""
    member = service.create_member(
        call.session,
        vault(call),
        call.node.jurisdictions,
        actor=call.actor,
        request_id=call.request_id,
        hook=call.node.plugins.hook,
        **call.body,
    )
    return service.present(member, vault(call))


@api_route(
    "GET",
    "/api/v1/members",
    summary="List members (identifiers masked), by page.",
    roles=STAFF,
    tag=TAG,
    query=MEMBER_LIST_QUERY,
)
def list_members(call: Call) -> dict[str, Any]:
    limit, offset = call.query.get("limit", 50), call.query.get("offset", 0)
    members, total = service.list_members(
        call.session,
        status=call.query.get("status"),
        kind=call.query.get("kind"),
        limit=limit,
        offset=offset,
    )
    return {
        "items": [service.present(m, vault(call)) for m in members],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@api_route(
    "GET", "/api/v1/members/me", summary="The caller's own member record.", roles=ANY_USER, tag=TAG
)
def read_own_member(call: Call) -> dict[str, Any]:
    member_id = call.caller().member_id
    if member_id is None:
        raise NotFound("Your login is not linked to a member record.")
    return present_one(call, visible_member(call, member_id), full=True)


@api_route(
    "GET",
    ONE,
    summary="A member's record (staff: ?reveal=true shows identifiers, "
    "audited; members: their own record).",
    roles=ANY_USER,
    tag=TAG,
    query=REVEAL_QUERY,
    own_records=True,
    database="write",
)
def read_member(call: Call) -> dict[str, Any]:
    """Written as a write transaction so a reveal's audit entry commits before the data leaves."""
    member = visible_member(call, call.path["member_id"])
    full = _is_self(call, member)
    if not full and call.query.get("reveal") == "true":
        audit.record(
            call.session,
            actor=call.actor,
            action="member.reveal",
            entity="member",
            entity_id=member.id,
            changes={"revealed": ["national_id", "iban"]},
            request_id=call.request_id,
        )
        full = True
    return present_one(call, member, full=full)


@api_route(
    "PATCH",
    ONE,
    summary="Change a member (staff: any field; members: their own language and IBAN).",
    roles=ANY_USER,
    tag=TAG,
    body=MEMBER_UPDATE,
    own_records=True,
)
def update_member(call: Call) -> dict[str, Any]:
    member = visible_member(call, call.path["member_id"])
    if not call.caller().is_staff:
        refused = sorted(set(call.body) - MEMBER_SELF_FIELDS)
        if refused:
            raise ValidationProblem(
                [
                    FieldError(field, "Only the co-op's staff can change this field.", "read_only")
                    for field in refused
                ]
            )
    member = service.update_member(
        call.session,
        vault(call),
        call.node.jurisdictions,
        member,
        call.body,
        actor=call.actor,
        request_id=call.request_id,
        hook=call.node.plugins.hook,
    )
    return present_one(call, member, full=_is_self(call, member))


@api_route(
    "POST",
    ONE + "/status",
    summary="Change a member's status (allowed transitions only).",
    roles=STAFF,
    tag=TAG,
    body=STATUS_CHANGE,
)
def change_member_status(call: Call) -> dict[str, Any]:
    member = visible_member(call, call.path["member_id"])
    member = service.change_status(
        call.session,
        vault(call),
        member,
        call.body["status"],
        on=call.body.get("on"),
        actor=call.actor,
        request_id=call.request_id,
    )
    return service.present(member, vault(call))


@api_route(
    "GET",
    ONE + "/export",
    summary="Everything the node holds about a member, as JSON "
    "(the member themselves or staff; audited).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    database="write",
)
def export_member(call: Call) -> dict[str, Any]:
    member = visible_member(call, call.path["member_id"])
    call.headers["Content-Disposition"] = f'attachment; filename="member-{member.id}.json"'
    return privacy.export_member(
        call.session,
        vault(call),
        Terms.from_settings(call.settings),
        member,
        actor=call.actor,
        request_id=call.request_id,
    )


@api_route(
    "POST",
    ONE + "/erase",
    summary="Erase a member's personal data (pseudonymise; refused while they hold shares).",
    roles=ADMIN,
    tag=TAG,
)
def erase_member(call: Call) -> dict[str, Any]:
    member = visible_member(call, call.path["member_id"])
    member = privacy.erase_member(
        call.session, vault(call), member, actor=call.actor, request_id=call.request_id
    )
    return service.present(member, vault(call))


IBAN_CHANGES = "/api/v1/iban-changes"
IBAN_CHANGE_QUERY = obj(
    {
        "status": {"type": "string", "enum": [s.value for s in iban_changes.IbanChangeStatus]},
        "limit": {"type": "integer", "minimum": 1, "maximum": 200},
        "offset": {"type": "integer", "minimum": 0},
    }
)


@api_route(
    "GET",
    IBAN_CHANGES,
    summary="List members' IBAN changes (new IBANs masked), by page; ?status=pending.",
    roles=STAFF,
    tag=TAG,
    query=IBAN_CHANGE_QUERY,
)
def list_iban_changes(call: Call) -> dict[str, Any]:
    limit, offset = call.query.get("limit", 50), call.query.get("offset", 0)
    changes = iban_changes.list_changes(
        call.session, status=call.query.get("status"), limit=limit, offset=offset
    )
    return {
        "items": [iban_changes.present(c, vault(call)) for c in changes],
        "limit": limit,
        "offset": offset,
    }


@api_route(
    "POST",
    IBAN_CHANGES + "/{change_id:int}/approve",
    summary="Approve a member's IBAN change (second staff approval: never its requester's "
    "nor the member's own); effective after payouts.iban_change_hold_hours.",
    roles=STAFF,
    tag=TAG,
)
def approve_iban_change(call: Call) -> dict[str, Any]:
    change = iban_changes.approve(
        call.session,
        vault(call),
        call.path["change_id"],
        actor=call.actor,
        actor_member_id=call.caller().member_id,
        hold_hours=call.settings["payouts.iban_change_hold_hours"],
        request_id=call.request_id,
        hook=call.node.plugins.hook,
    )
    return iban_changes.present(change, vault(call))


@api_route(
    "POST",
    IBAN_CHANGES + "/{change_id:int}/cancel",
    summary="Cancel a member's IBAN change that is not applied yet.",
    roles=STAFF,
    tag=TAG,
)
def cancel_iban_change(call: Call) -> dict[str, Any]:
    change = iban_changes.cancel(
        call.session, call.path["change_id"], actor=call.actor, request_id=call.request_id
    )
    return iban_changes.present(change, vault(call))


ROUTES = [
    create_member,
    list_members,
    read_own_member,
    read_member,
    update_member,
    change_member_status,
    export_member,
    erase_member,
    list_iban_changes,
    approve_iban_change,
    cancel_iban_change,
]
