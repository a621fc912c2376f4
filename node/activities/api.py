"""HTTP API of activities: staff open and close them; members see the ones they belong to."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import Response

from node.activities import service
from node.activities.models import Activity
from node.activities.report import full_statement, statement_csv
from node.web.api import ANY_USER, STAFF, Call, api_route
from node.web.validation import CURRENCY, DATE, obj

TAG = "activities"
ONE = "/api/v1/activities/{activity_id:int}"
OPEN = obj(
    {
        "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
        "member_ids": {
            "type": "array",
            "items": {"type": "integer", "minimum": 1},
            "minItems": 1,
            "maxItems": 50,
        },
        "lead_member_id": {"type": "integer", "minimum": 1},
        "currency": CURRENCY,
    },
    required=("name", "member_ids", "lead_member_id"),
)
STATEMENT_QUERY = obj({"from": DATE, "to": DATE, "format": {"enum": ["json", "csv"]}})


def present(activity: Activity) -> dict[str, Any]:
    return {
        "id": activity.id,
        "name": activity.name,
        "currency": activity.currency,
        "status": activity.status,
        "members": [{"member_id": m.member_id, "lead": m.lead} for m in activity.members],
        "created_at": activity.created_at,
    }


@api_route(
    "POST",
    "/api/v1/activities",
    summary="Open an activity for one or several members.",
    roles=STAFF,
    tag=TAG,
    body=OPEN,
    status=201,
)
def open_activity(call: Call) -> dict[str, Any]:
    activity = service.open_activity(
        call.session,
        name=call.body["name"].strip(),
        member_ids=call.body["member_ids"],
        lead_id=call.body["lead_member_id"],
        currency=call.body.get("currency", call.settings["node.currency"]),
        actor=call.actor,
        request_id=call.request_id,
    )
    return present(activity)


@api_route(
    "GET",
    "/api/v1/activities",
    summary="Activities (a member: their own).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
)
def list_activities(call: Call) -> list[dict[str, Any]]:
    return [present(a) for a in service.activities_of(call.session, call.caller())]


@api_route("GET", ONE, summary="One activity.", roles=ANY_USER, tag=TAG, own_records=True)
def get_activity(call: Call) -> dict[str, Any]:
    return present(service.visible_activity(call.session, call.caller(), call.path["activity_id"]))


@api_route(
    "POST", ONE + "/close", summary="Close an activity whose budget is zero.", roles=STAFF, tag=TAG
)
def close_activity(call: Call) -> dict[str, Any]:
    activity = service.visible_activity(call.session, call.caller(), call.path["activity_id"])
    return present(service.close_activity(call.session, activity, actor=call.actor))


@api_route(
    "GET",
    ONE + "/statement",
    summary="The activity's budget statement with its available budget, part by part (JSON or CSV).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    query=STATEMENT_QUERY,
)
def activity_statement(call: Call) -> Any:
    activity = service.visible_activity(call.session, call.caller(), call.path["activity_id"])
    start, end = (
        date.fromisoformat(call.query[k]) if k in call.query else None for k in ("from", "to")
    )
    report = full_statement(call.session, activity, start=start, end=end)
    if call.query.get("format") != "csv":
        return report
    return Response(statement_csv(report), media_type="text/csv; charset=utf-8")


ROUTES = [open_activity, list_activities, get_activity, close_activity, activity_statement]
