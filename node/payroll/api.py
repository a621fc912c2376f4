"""HTTP API of payroll: profiles, work declarations, salary requests, payslips, runs, declarations.

Members reach their own records (404 for anyone else's); staff reach everyone's and run payroll.

======  ===============================================================  ==========================
method  path                                                             who
======  ===============================================================  ==========================
GET     ``/api/v1/payroll/params-schema``                                anyone signed in
GET     ``/api/v1/members/{id}/payroll-profile``                         the member, staff
PATCH   ``/api/v1/members/{id}/payroll-profile``                         the member, staff
POST    ``/api/v1/activities/{id}/work-declarations``                    the activity's members,
                                                                         staff
GET     ``/api/v1/payroll/contracts[/{id}]``                             the member, staff
POST    ``/api/v1/payroll/salary-requests``                              the member, staff
GET     ``/api/v1/payroll/salary-requests[/{id}]``                       the member, staff
GET     ``/api/v1/payroll/payslips[/{id}[/html|/pdf]]``                  the member, staff
POST    ``/api/v1/payroll/payslips/{id}/correct``                        staff
POST    ``/api/v1/payroll/runs``                                         staff
GET     ``/api/v1/payroll/declarations?period=``                         staff
======  ===============================================================  ==========================
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from starlette.responses import HTMLResponse, Response

from node.activities.service import visible_activity
from node.errors import ValidationProblem
from node.members.identifiers import Vault
from node.money import from_minor
from node.payouts.models import Payout
from node.payroll import documents, run, service
from node.payroll.models import (
    SalaryRequest,
    SalaryRequestStatus,
)
from node.payroll.presenters import present_contract, present_payslip, present_profile
from node.web.api import ANY_USER, HTML, STAFF, Call, api_route
from node.web.validation import DATE, DECIMAL, obj
from plugins.payroll.model import ContractKind, PayBasis

TAG = "payroll"
PROFILE = "/api/v1/members/{member_id:int}/payroll-profile"
CONTRACTS = "/api/v1/payroll/contracts"
REQUESTS = "/api/v1/payroll/salary-requests"
PAYSLIPS = "/api/v1/payroll/payslips"
ONE_PAYSLIP = PAYSLIPS + "/{payslip_id:int}"
PDF = "application/pdf"
KEY = {"type": "string", "minLength": 8, "maxLength": 100, "pattern": "^[A-Za-z0-9._:-]+$"}
PERIOD = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}$"}
ID = {"type": "integer", "minimum": 1}
TEXT = {"type": "string", "minLength": 1, "maxLength": 500, "pattern": r"\S"}
PROFILE_BODY = obj(
    {
        "birth_date": {"type": ["string", "null"], "format": "date"},
        "language": {"enum": ["en", "fr", "nl", "de", None]},
        "params": {"type": "object"},
    }
)
DECLARATION = obj(
    {
        "member_id": ID,
        "kind": {"enum": [k.value for k in ContractKind]},
        "basis": {"enum": [b.value for b in PayBasis]},
        "start": DATE,
        "end": {"type": ["string", "null"], "format": "date"},
        "work_fraction": DECIMAL,
        "days": {"type": "integer", "minimum": 1, "maximum": 366},
        "hours": DECIMAL,
        "place_of_work": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": {"type": "string", "maxLength": 500},
        "params": {"type": "object"},
    },
    required=("kind", "basis", "start", "place_of_work"),
)
SALARY = obj(
    {
        "contract_id": ID,
        "period": PERIOD,
        "amount": DECIMAL,
        "idempotency_key": KEY,
        "days": {"type": "integer", "minimum": 1, "maximum": 366},
        "hours": DECIMAL,
        "defer": {"type": "boolean"},
    },
    required=("contract_id", "period", "amount", "idempotency_key"),
)
CORRECTION = obj(
    {
        "reason": TEXT,
        "amount": DECIMAL,
        "days": {"type": "integer", "minimum": 1, "maximum": 366},
        "hours": DECIMAL,
    },
    required=("reason",),
)
RUN = obj(
    {"period": PERIOD, "chunk_size": {"type": "integer", "minimum": 1, "maximum": 5000}},
    required=("period",),
)
PERIOD_QUERY = obj({"period": PERIOD}, required=("period",))
CONTRACTS_QUERY = obj({"member_id": ID})
REQUESTS_QUERY = obj({"period": PERIOD, "status": {"enum": [s.value for s in SalaryRequestStatus]}})
PAYSLIPS_QUERY = obj({"period": PERIOD, "member_id": ID})


def vault(call: Call) -> Vault:
    return Vault.from_settings(call.settings, call.node.cipher)


def options(call: Call) -> service.SalaryOptions:
    return service.SalaryOptions(
        actor=call.actor,
        vault=vault(call),
        second_approval_above=call.settings["payouts.second_approval_above"],
        request_id=call.request_id,
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


# --- presenting ---------------------------------------------------------------------------------


def present_request(call: Call, row: SalaryRequest) -> dict[str, Any]:
    slip = service.current_payslip(call.session, row.id)
    payout = call.session.get(Payout, slip.payout_id) if slip is not None else None
    return {
        "id": row.id,
        "contract_id": row.contract_id,
        "member_id": row.member_id,
        "activity_id": row.activity_id,
        "period": row.period,
        "amount": from_minor(row.amount_minor, row.currency),
        "currency": row.currency,
        "days": row.days,
        "hours": row.hours,
        "status": row.status,
        "problem": row.problem,
        "idempotency_key": row.idempotency_key,
        "requested_by": row.requested_by,
        "requested_at": row.requested_at,
        "payslip": present_payslip(slip, payout, full=False) if slip is not None else None,
    }


# --- params and profiles ------------------------------------------------------------------------


@api_route(
    "GET",
    "/api/v1/payroll/params-schema",
    summary="The JSON Schema of the node's payroll params (profiles and contracts use them).",
    roles=ANY_USER,
    tag=TAG,
)
def params_schema(call: Call) -> dict[str, Any]:
    payroll = service.payroll_of(call.node)
    return {"country": payroll.country, "schema": payroll.params_schema()}


@api_route(
    "GET",
    PROFILE,
    summary="A member's payroll profile (the member themselves or staff).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
)
def get_profile(call: Call) -> dict[str, Any]:
    member = service.visible_member(call.session, call.caller(), call.path["member_id"])
    return present_profile(member.id, member.language, service.profile_of(call.session, member.id))


@api_route(
    "PATCH",
    PROFILE,
    summary="Set a member's payroll profile: birth date, payslip language, default params.",
    roles=ANY_USER,
    tag=TAG,
    body=PROFILE_BODY,
    own_records=True,
)
def update_profile(call: Call) -> dict[str, Any]:
    member = service.visible_member(call.session, call.caller(), call.path["member_id"])
    changes = dict(call.body)
    if "birth_date" in changes:
        changes["birth_date"] = _date(changes["birth_date"])
    payroll = call.node.jurisdiction.payroll()
    profile = service.update_profile(
        call.session,
        payroll,
        member,
        changes,
        actor=call.actor,
        request_id=call.request_id,
    )
    return present_profile(member.id, member.language, profile)


# --- work declarations and contracts ------------------------------------------------------------


@api_route(
    "POST",
    "/api/v1/activities/{activity_id:int}/work-declarations",
    summary="Declare work for an activity: creates the contract and its pre-hire declaration.",
    roles=ANY_USER,
    tag=TAG,
    body=DECLARATION,
    status=201,
)
def declare_work(call: Call) -> dict[str, Any]:
    principal = call.caller()
    activity = visible_activity(call.session, principal, call.path["activity_id"])
    body = call.body
    if principal.is_staff:
        member_id = body.get("member_id") or next(m.member_id for m in activity.members if m.lead)
    else:
        assert principal.member_id is not None  # else the activity was not visible
        if body.get("member_id", principal.member_id) != principal.member_id:
            raise ValidationProblem.single(
                "member_id", "Members declare their own work.", "not_allowed"
            )
        member_id = principal.member_id
    contract = service.declare_work(
        call.session,
        service.payroll_of(call.node),
        call.settings,
        vault(call),
        activity,
        service.WorkDeclaration(
            member_id=member_id,
            kind=body["kind"],
            basis=body["basis"],
            start=date.fromisoformat(body["start"]),
            end=_date(body.get("end")),
            work_fraction=Decimal(body.get("work_fraction", "1")),
            days=body.get("days"),
            hours=_decimal(body.get("hours")),
            place_of_work=body["place_of_work"],
            description=body.get("description", ""),
            params=body.get("params"),
        ),
        actor=call.actor,
        request_id=call.request_id,
    )
    return present_contract(contract)


@api_route(
    "GET",
    CONTRACTS,
    summary="Employment contracts (a member: their own).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    query=CONTRACTS_QUERY,
)
def list_contracts(call: Call) -> list[dict[str, Any]]:
    rows = service.contracts_of(call.session, call.caller(), member_id=call.query.get("member_id"))
    return [present_contract(row) for row in rows]


@api_route(
    "GET",
    CONTRACTS + "/{contract_id:int}",
    summary="One employment contract with its pre-hire declaration.",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
)
def get_contract(call: Call) -> dict[str, Any]:
    return present_contract(
        service.visible_contract(call.session, call.caller(), call.path["contract_id"])
    )


# --- salary requests ----------------------------------------------------------------------------


@api_route(
    "POST",
    REQUESTS,
    summary="Ask for an amount of a contract's activity budget as salary for a period "
    "(computed and posted at once, or by the period's payroll run with defer).",
    roles=ANY_USER,
    tag=TAG,
    body=SALARY,
    status=201,
)
def request_salary(call: Call) -> dict[str, Any]:
    body = call.body
    contract = service.visible_contract(call.session, call.caller(), body["contract_id"])
    row, _payslip, _created = service.request_salary(
        call.session,
        service.payroll_of(call.node),
        contract,
        period=body["period"],
        amount=Decimal(body["amount"]),
        idempotency_key=body["idempotency_key"],
        options=options(call),
        days=body.get("days"),
        hours=_decimal(body.get("hours")),
        defer=bool(body.get("defer", False)),
    )
    return present_request(call, row)


@api_route(
    "GET",
    REQUESTS,
    summary="Salary requests (a member: their own).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    query=REQUESTS_QUERY,
)
def list_requests(call: Call) -> list[dict[str, Any]]:
    rows = service.requests_of(
        call.session,
        call.caller(),
        period=call.query.get("period"),
        status=call.query.get("status"),
    )
    return [present_request(call, row) for row in rows]


@api_route(
    "GET",
    REQUESTS + "/{salary_request_id:int}",
    summary="One salary request with its current payslip.",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
)
def get_request(call: Call) -> dict[str, Any]:
    row = service.visible_request(call.session, call.caller(), call.path["salary_request_id"])
    return present_request(call, row)


# --- payslips -----------------------------------------------------------------------------------


@api_route(
    "GET",
    PAYSLIPS,
    summary="Payslips (a member: their own).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    query=PAYSLIPS_QUERY,
)
def list_payslips(call: Call) -> list[dict[str, Any]]:
    rows = service.payslips_of(
        call.session,
        call.caller(),
        period=call.query.get("period"),
        member_id=call.query.get("member_id"),
    )
    ids = [row.payout_id for row in rows]
    found: dict[int, Payout] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(
            (p.id, p) for p in call.session.scalars(select(Payout).where(Payout.id.in_(chunk)))
        )
    return [present_payslip(row, found.get(row.payout_id), full=False) for row in rows]


@api_route(
    "GET",
    ONE_PAYSLIP,
    summary="One payslip with the jurisdiction's computation (lines, params, sources).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
)
def get_payslip(call: Call) -> dict[str, Any]:
    row = service.visible_payslip(call.session, call.caller(), call.path["payslip_id"])
    return present_payslip(row, call.session.get(Payout, row.payout_id))


@api_route(
    "GET",
    ONE_PAYSLIP + "/html",
    summary="The payslip as a printable page, in the member's language.",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    media_type=HTML,
)
def payslip_html(call: Call) -> Response:
    row = service.visible_payslip(call.session, call.caller(), call.path["payslip_id"])
    view = documents.payslip_view(call.session, row, call.settings)
    return HTMLResponse(
        documents.render_html(view),
        headers={**documents.PAGE_HEADERS, "Content-Language": view["language"]},
    )


@api_route(
    "GET",
    ONE_PAYSLIP + "/pdf",
    summary="The payslip as a PDF (rendered on demand), in the member's language.",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    media_type=PDF,
)
def payslip_pdf(call: Call) -> Response:
    row = service.visible_payslip(call.session, call.caller(), call.path["payslip_id"])
    view = documents.payslip_view(call.session, row, call.settings)
    return Response(
        documents.render_pdf(view),
        media_type=PDF,
        headers={
            "Content-Disposition": f'inline; filename="payslip-{row.period}-{row.id}.pdf"',
            "Content-Language": view["language"],
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@api_route(
    "POST",
    ONE_PAYSLIP + "/correct",
    summary="Correct a payslip: its payout is cancelled (entry reversed) and a new payslip "
    "computed and posted; both are kept.",
    roles=STAFF,
    tag=TAG,
    body=CORRECTION,
    status=201,
)
def correct_payslip(call: Call) -> dict[str, Any]:
    body = call.body
    row = service.correct(
        call.session,
        service.payroll_of(call.node),
        call.path["payslip_id"],
        options=options(call),
        reason=body["reason"],
        amount=_decimal(body.get("amount")),
        days=body.get("days"),
        hours=_decimal(body.get("hours")),
    )
    return present_payslip(row, call.session.get(Payout, row.payout_id))


# --- runs and declarations ----------------------------------------------------------------------


@api_route(
    "POST",
    "/api/v1/payroll/runs",
    summary="Run the payroll of a period: compute every salary request not computed yet, in "
    "chunks (restartable; a request is computed once).",
    roles=STAFF,
    tag=TAG,
    body=RUN,
    database="none",
)
def run_payroll(call: Call) -> dict[str, Any]:
    result = run.run_period(
        call.node,
        call.body["period"],
        actor=call.actor,
        chunk_size=call.body.get("chunk_size", run.CHUNK_SIZE),
        request_id=call.request_id,
    )
    return result.as_dict()


@api_route(
    "GET",
    "/api/v1/payroll/declarations",
    summary="The country's periodic payroll declaration of a period, as JSON.",
    roles=STAFF,
    tag=TAG,
    query=PERIOD_QUERY,
)
def periodic_declaration(call: Call) -> dict[str, Any]:
    return service.periodic_declaration(
        call.session,
        service.payroll_of(call.node),
        call.settings,
        vault(call),
        call.query["period"],
    )


ROUTES = [
    params_schema,
    get_profile,
    update_profile,
    declare_work,
    list_contracts,
    get_contract,
    request_salary,
    list_requests,
    get_request,
    list_payslips,
    get_payslip,
    payslip_html,
    payslip_pdf,
    correct_payslip,
    run_payroll,
    periodic_declaration,
]
