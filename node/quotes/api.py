"""HTTP API of quotes, and the public page a client reaches by the acceptance link.

============================================  ===============  ===================================
``POST  /api/v1/quotes``                      staff, members   a draft (members: for their own
                                                               activities, else 404)
``GET   /api/v1/quotes``                      staff, members   all / those of my activities
``GET   /api/v1/quotes/{id}``                 staff, members   one (404 if not mine)
``PATCH /api/v1/quotes/{id}``                 staff, members   revise a draft or sent quote (a
                                                               new digest: links sent stop working)
``POST  /api/v1/quotes/{id}/send``            staff, members   a new acceptance link, shown once
                                                               (older links revoked)
``POST  /api/v1/quotes/{id}/signed-copy``     staff            record a signed paper copy
``POST  /api/v1/quotes/{id}/invoice``         staff            an invoice draft from an accepted
                                                               quote (201; again: the same, 200)
``GET   /api/v1/quotes/{id}/html``            staff, members   a printable page
``GET   /quotes/accept/{token}``              anyone           the quote with Accept / Refuse
``POST  /quotes/accept/{token}``              anyone           the answer (form: ``decision``,
                                                               ``name``), once
============================================  ===============  ===================================

A refused link (tampered, expired, used, replaced, the quote changed or already answered) is a
4xx: an HTML page for a browser (``Accept: text/html``), else ``application/problem+json``;
nothing is changed. The public pages send ``Referrer-Policy: no-referrer`` (the token is in the
URL) and ``Cache-Control: no-store``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse, Response

from node.clients.models import Client
from node.errors import Problem
from node.identity import csrf
from node.identity.api import client_address
from node.invoices import service as invoices
from node.invoices.api import LINES
from node.quotes import service
from node.quotes.models import Quote
from node.web.api import ANY_USER, HTML, PUBLIC, STAFF, Call, api_route, wants_html
from node.web.jsonenc import dumps
from node.web.pages import PAGE_HEADERS
from node.web.validation import DATE, obj
from plugins.jurisdiction import Situation

TAG = "quotes"
ALL = "/api/v1/quotes"
ONE = ALL + "/{quote_id:int}"
ACCEPT = "/quotes/accept/{token}"
SITUATION = {"enum": [s.value for s in Situation]}
CREATE = obj(
    {
        "activity_id": {"type": "integer", "minimum": 1},
        "client_id": {"type": "integer", "minimum": 1},
        "lines": LINES,
        "valid_until": DATE,
        "situation": SITUATION,
    },
    required=("activity_id", "client_id", "lines", "valid_until"),
)
REVISE = {
    **obj({"lines": LINES, "valid_until": DATE, "situation": SITUATION}),
    "minProperties": 1,
}
SIGNED_COPY = obj(
    {
        "signed_by": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
        "signed_on": DATE,
    },
    required=("signed_by", "signed_on"),
)
ANSWER = obj(
    {
        "decision": {"enum": ["accept", "refuse"]},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
    },
    required=("decision", "name"),
)
LIST_QUERY = obj({"activity_id": {"type": "integer", "minimum": 1}})
PUBLIC_HEADERS = {**PAGE_HEADERS, "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}

templates = Environment(
    loader=PackageLoader("node.quotes", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _asks_json(call: Call) -> bool:
    return "json" in call.request.headers.get("accept", "")


@api_route(
    "POST",
    ALL,
    summary="Create a draft quote for an activity (members: their own activities).",
    roles=ANY_USER,
    tag=TAG,
    body=CREATE,
    status=201,
)
def create_quote(call: Call) -> dict[str, Any]:
    body = call.body
    valid_until = _date(body["valid_until"])
    assert valid_until is not None
    quote = service.create_quote(
        call.session,
        call.node.jurisdiction,
        call.caller(),
        activity_id=body["activity_id"],
        client_id=body["client_id"],
        lines=body["lines"],
        valid_until=valid_until,
        situation=body.get("situation"),
        request_id=call.request_id,
    )
    return service.present(quote)


@api_route(
    "GET",
    ALL,
    summary="Quotes (a member: those of their activities).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    query=LIST_QUERY,
)
def list_quotes(call: Call) -> list[dict[str, Any]]:
    found = service.quotes_of(
        call.session, call.caller(), activity_id=call.query.get("activity_id")
    )
    return [service.present(quote) for quote in found]


@api_route("GET", ONE, summary="One quote.", roles=ANY_USER, tag=TAG, own_records=True)
def get_quote(call: Call) -> dict[str, Any]:
    return service.present(
        service.visible_quote(call.session, call.caller(), call.path["quote_id"])
    )


@api_route(
    "PATCH",
    ONE,
    summary="Revise a draft or sent quote; links already sent stop working.",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    body=REVISE,
)
def update_quote(call: Call) -> dict[str, Any]:
    quote = service.revise_quote(
        call.session,
        call.node.jurisdiction,
        call.caller(),
        call.path["quote_id"],
        lines=call.body.get("lines"),
        valid_until=_date(call.body.get("valid_until")),
        situation=call.body.get("situation"),
        request_id=call.request_id,
    )
    return service.present(quote)


@api_route(
    "POST",
    ONE + "/send",
    summary="Issue the client's acceptance link (shown once; older links stop working).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
)
def send_quote(call: Call) -> dict[str, Any]:
    sent = service.send(
        call.session,
        call.settings,
        call.caller(),
        call.path["quote_id"],
        request_id=call.request_id,
    )
    call.headers["Cache-Control"] = "no-store"
    return {
        "quote": service.present(sent.quote),
        "acceptance_url": sent.url,
        "expires_at": sent.expires_at,
    }


@api_route(
    "POST",
    ONE + "/signed-copy",
    summary="Record that the client signed a paper copy: the quote is accepted.",
    roles=STAFF,
    tag=TAG,
    body=SIGNED_COPY,
)
def signed_copy(call: Call) -> dict[str, Any]:
    signed_on = _date(call.body["signed_on"])
    assert signed_on is not None
    quote = service.record_signed_copy(
        call.session,
        call.caller(),
        call.path["quote_id"],
        signed_by=call.body["signed_by"],
        signed_on=signed_on,
        request_id=call.request_id,
    )
    return service.present(quote)


@api_route(
    "POST",
    ONE + "/invoice",
    summary="Make an invoice draft of an accepted quote (again: the same invoice).",
    roles=STAFF,
    tag=TAG,
    status=201,
)
def invoice_quote(call: Call) -> Any:
    converted = service.convert(
        call.session,
        call.node.jurisdiction,
        call.caller(),
        call.path["quote_id"],
        request_id=call.request_id,
    )
    result = {
        "quote": service.present(converted.quote),
        "invoice": invoices.present(call.session, converted.invoice),
    }
    if converted.replayed:
        return Response(dumps(result), 200, media_type="application/json")
    return result


def _page(call: Call, quote: Quote, **extra: Any) -> str:
    client = call.session.get(Client, quote.client_id)
    assert client is not None
    settings = call.settings
    round_money = call.node.jurisdiction.round_money
    return templates.get_template("quote.html").render(
        quote=quote,
        client=client,
        seller={
            "name": settings["node.name"],
            "country": settings["node.country"],
            "vat_number": settings["node.vat_number"],
            "company_id": settings["node.legal_entity_number"],
        },
        lines=service.line_views(quote, round_money),
        net=service.present(quote)["net"],
        vat=service.present(quote)["vat"],
        gross=service.present(quote)["gross"],
        **extra,
    )


@api_route(
    "GET",
    ONE + "/html",
    summary="A printable page of the quote.",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    media_type=HTML,
)
def quote_html(call: Call) -> Response:
    quote = service.visible_quote(call.session, call.caller(), call.path["quote_id"])
    html = _page(
        call, quote, action=None, status_note=service.effective_status(quote, date.today())
    )
    return HTMLResponse(html, headers={**PAGE_HEADERS, "Content-Language": "en"})


def _message(
    heading: str, message: str, status: int, *, error: bool, number: str | None
) -> Response:
    html = templates.get_template("message.html").render(
        heading=heading, message=message, error=error, number=number
    )
    return HTMLResponse(html, status, headers={**PUBLIC_HEADERS, "Content-Language": "en"})


def _refused(call: Call, problem: Problem) -> Response:
    """A refused link: an HTML page for a browser, else the problem document."""
    if not wants_html(call.request):
        raise problem
    return _message(
        "Please check your answer" if problem.status == 422 else "This link cannot be used",
        problem.detail or problem.title,
        problem.status,
        error=True,
        number=None,
    )


@api_route(
    "GET",
    ACCEPT,
    summary="The quote a client reaches by the acceptance link, with Accept / Refuse.",
    roles=PUBLIC,
    tag=TAG,
    media_type=HTML,
)
def acceptance_page(call: Call) -> Response:
    try:
        link = service.verify_link(call.session, call.settings, call.path["token"])
    except Problem as problem:
        return _refused(call, problem)
    principal = call.principal
    token = (
        csrf.csrf_token(call.settings, principal.session_id)
        if principal is not None and principal.via_cookie and principal.session_id
        else None
    )
    html = _page(
        call,
        link.quote,
        action=ACCEPT.replace("{token}", call.path["token"]),
        status_note=None,
        csrf_token=token,
    )
    return HTMLResponse(html, headers={**PUBLIC_HEADERS, "Content-Language": "en"})


@api_route(
    "POST",
    ACCEPT,
    summary="The client's answer through the acceptance link (once).",
    roles=PUBLIC,
    tag=TAG,
    form=ANSWER,
    media_type=HTML,
)
def acceptance_answer(call: Call) -> Response:
    accept = call.body["decision"] == "accept"
    try:
        quote = service.answer(
            call.session,
            call.settings,
            call.path["token"],
            accept=accept,
            name=call.body["name"],
            address=client_address(call),
            request_id=call.request_id,
        )
    except Problem as problem:
        return _refused(call, problem)
    if _asks_json(call):
        return Response(
            dumps({"number": quote.number, "status": quote.status}),
            media_type="application/json",
            headers={"Cache-Control": "no-store"},
        )
    if accept:
        heading, message = "Quote accepted", "Thank you: your acceptance has been recorded."
    else:
        heading, message = "Quote refused", "Thank you: your answer has been recorded."
    return _message(heading, message, 200, error=False, number=quote.number)


ROUTES = [
    create_quote,
    list_quotes,
    get_quote,
    update_quote,
    send_quote,
    signed_copy,
    invoice_quote,
    quote_html,
    acceptance_page,
    acceptance_answer,
]
