"""HTTP API of the salary guarantee fund: its policy, its report, and default write-offs."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import Response

from node.db.types import utcnow
from node.errors import ValidationProblem
from node.guarantee import report, writeoffs
from node.guarantee.policy import GuaranteePolicy
from node.web.api import ADMIN, STAFF, Call, api_route
from node.web.validation import DATE, obj

TAG = "guarantee"
KEY = {"type": "string", "minLength": 8, "maxLength": 100, "pattern": "^[A-Za-z0-9._:-]+$"}
POLICY_QUERY = obj({"declared_on": DATE})
REPORT_QUERY = obj({"as_of": DATE, "format": {"enum": ["json", "csv"]}})
WRITE_OFF = obj(
    {
        "invoice_id": {"type": "integer", "minimum": 1},
        "reason": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": r"\S"},
        "idempotency_key": KEY,
        "as_of": DATE,
    },
    required=("invoice_id", "reason", "idempotency_key"),
)


def policy_of(call: Call) -> GuaranteePolicy:
    return GuaranteePolicy.from_settings(call.settings)


def _day(call: Call, source: dict[str, Any], name: str) -> date:
    """A date from the request (default today); never in the future."""
    today = utcnow().date()
    if name not in source:
        return today
    day = date.fromisoformat(source[name])
    if day > today:
        raise ValidationProblem.single(name, "Must not be in the future.")
    return day


@api_route(
    "GET",
    "/api/v1/guarantee/policy",
    summary="The fund's policy, and the salary payment date for work declared on a day.",
    roles=STAFF,
    tag=TAG,
    query=POLICY_QUERY,
)
def guarantee_policy(call: Call) -> dict[str, Any]:
    policy = policy_of(call)
    data: dict[str, Any] = {k: str(v) for k, v in policy.describe().items()}
    if "declared_on" in call.query:
        declared = date.fromisoformat(call.query["declared_on"])
        data["declared_on"] = declared
        data["salary_due_by"] = policy.salary_due_by(declared, call.node.jurisdiction)
    return data


@api_route(
    "GET",
    "/api/v1/guarantee/report",
    summary="The fund's balance, exposure, defaults, write-offs and recoveries (JSON or CSV).",
    roles=STAFF,
    tag=TAG,
    query=REPORT_QUERY,
)
def guarantee_report(call: Call) -> Any:
    data = report.fund_report(call.session, policy_of(call), _day(call, call.query, "as_of"))
    if call.query.get("format") != "csv":
        return data
    return Response(report.fund_report_csv(data), media_type="text/csv; charset=utf-8")


@api_route(
    "POST",
    "/api/v1/guarantee/write-offs",
    summary="Write a defaulted covered invoice off against the fund.",
    roles=ADMIN,
    tag=TAG,
    body=WRITE_OFF,
    status=201,
)
def write_off(call: Call) -> dict[str, Any]:
    row, _created = writeoffs.write_off(
        call.session,
        call.body["invoice_id"],
        policy=policy_of(call),
        as_of=_day(call, call.body, "as_of"),
        reason=call.body["reason"],
        idempotency_key=call.body["idempotency_key"],
        actor=call.actor,
        request_id=call.request_id,
    )
    (view,) = report.write_off_views(call.session, row.id)
    return view.present()


@api_route(
    "GET",
    "/api/v1/guarantee/write-offs",
    summary="Write-offs charged to the fund, with what was recovered.",
    roles=STAFF,
    tag=TAG,
)
def list_write_offs(call: Call) -> list[dict[str, Any]]:
    return [view.present() for view in report.write_off_views(call.session)]


ROUTES = [guarantee_policy, guarantee_report, write_off, list_write_offs]
