"""``POST /federation/v1/inbox`` and the admin endpoints of the outbox and the rejection log.

The inbox takes one envelope (``application/jose``: the compact JWS as the body) and answers
with its signed receipt (``application/jose``), or a problem document with a stable code; or a
batch: a JSON array of up to 50 tokens, answered ``200`` with one item per token, in order:
``{"status": 200, "receipt": …}`` or ``{"status": 4xx, "problem": {…}}``. A malformed batch as a
whole is one problem (400, or 413 when too large).

It is public (a peer is authenticated by its signature, not by a session), so it is declared with
:class:`~node.web.api.EndpointSpec` by hand: :func:`~node.web.api.api_route` reads JSON bodies only.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from node.db.types import utcnow
from node.federation import outbox
from node.federation.handlers import node_message_types
from node.federation.inbox import MAX_BATCH, Inbox, InboxPolicy, Result, problem
from node.federation.introductions import introductions_for
from node.federation.models import InboxRejection
from node.federation.signing import node_signer
from node.i18n import negotiate
from node.runtime import Node
from node.web.api import ADMIN, PUBLIC, STAFF, Call, EndpointSpec, api_route
from node.web.jsonenc import dumps
from node.web.problems import translate_problem

JOSE = "application/jose"
PROBLEM_JSON = "application/problem+json"
INBOX_EXTRA = "federation.inbox"
TAG = "federation"


def node_inbox(node: Node) -> Inbox:
    """The node's inbox, built once (its schema validators are compiled on first use)."""
    inbox = node.extras.get(INBOX_EXTRA)
    if not isinstance(inbox, Inbox):
        policy = InboxPolicy.from_settings(node.settings)
        introducer = introductions_for(node)  # peering messages from nodes not yet active
        types = node_message_types(node)
        inbox = Inbox(
            node.db, types.handlers, node_signer(node), policy, introducer, types.catalogue
        )
        node.extras[INBOX_EXTRA] = inbox
    return inbox


def _translated(result: Result, language: str) -> Result:
    if result.problem is None:
        return result
    return Result(result.status, problem=translate_problem(result.problem, language))


def _problem_response(result: Result, language: str) -> Response:
    return Response(
        dumps(_translated(result, language).problem),
        result.status,
        media_type=PROBLEM_JSON,
        headers={"Content-Language": language},
    )


def _whole_request_problem(status: int, code: str, detail: str, language: str) -> Response:
    return _problem_response(Result(status, problem=problem(status, code, detail)), language)


def handle(
    inbox: Inbox, media: str, raw: bytes, remote: str | None, language: str = "en"
) -> Response:
    """Answer one inbox request (after the media type check); a Starlette response."""
    now = utcnow()
    if media == JOSE:
        result = inbox.receive(raw, now, remote)
        if result.receipt is None:
            return _problem_response(result, language)
        return Response(result.receipt, 200, media_type=JOSE)
    if len(raw) > inbox.policy.max_batch_bytes:
        return _whole_request_problem(413, "too_large", "the batch is too large", language)
    try:
        tokens = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return _whole_request_problem(400, "malformed", "the batch is not valid JSON", language)
    if not isinstance(tokens, list) or not tokens:
        detail = "a batch is a non-empty JSON array"
        return _whole_request_problem(400, "malformed", detail, language)
    if len(tokens) > MAX_BATCH:
        detail = f"a batch holds at most {MAX_BATCH}"
        return _whole_request_problem(413, "too_large", detail, language)
    results = inbox.receive_batch(tokens, now, remote)
    items = [_translated(result, language).as_item() for result in results]
    return Response(dumps(items), 200, media_type="application/json")


async def receive(request: Request) -> Response:
    """Receive one envelope or a batch (see the module docstring)."""
    node: Node = request.app.state.node
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    language = negotiate(request.headers.get("accept-language"))
    if media not in (JOSE, "application/json"):
        detail = f"send {JOSE} or a JSON array of tokens"
        return _whole_request_problem(400, "malformed", detail, language)
    raw = await request.body()
    remote = request.client.host if request.client else None
    inbox = node_inbox(node)
    return await run_in_threadpool(handle, inbox, media, raw, remote, language)


inbox_route = Route("/federation/v1/inbox", receive, methods=["POST"], name="federation_inbox")
inbox_route.coop_spec = EndpointSpec(  # type: ignore[attr-defined]
    method="POST",
    path="/federation/v1/inbox",
    name="federation_inbox",
    summary="Receive signed federation messages (one application/jose envelope or a batch).",
    roles=PUBLIC,
    tag=TAG,
    database="none",
    body_media_type=JOSE,
)


@api_route(
    "GET",
    "/api/v1/federation/outbox",
    summary="Outgoing federation messages: queue depth per peer and the dead letters.",
    roles=STAFF,
    tag=TAG,
)
def list_outbox(call: Call) -> dict[str, Any]:
    return {
        "peers": outbox.queue_summary(call.session),
        "dead_letters": [outbox.message_view(m) for m in outbox.dead_letters(call.session)],
    }


@api_route(
    "POST",
    "/api/v1/federation/outbox/{id:int}/retry",
    summary="Send a dead letter again (attempts reset; same message id and body).",
    roles=ADMIN,
    tag=TAG,
)
def retry_dead_letter(call: Call) -> dict[str, Any]:
    message = outbox.retry(
        call.session, call.path["id"], actor=call.actor, request_id=call.request_id
    )
    return outbox.message_view(message)


@api_route(
    "POST",
    "/api/v1/federation/outbox/{id:int}/discard",
    summary="Give up on a dead letter; the rest of its conversation may then be sent.",
    roles=ADMIN,
    tag=TAG,
)
def discard_dead_letter(call: Call) -> dict[str, Any]:
    message = outbox.discard(
        call.session, call.path["id"], actor=call.actor, request_id=call.request_id
    )
    return outbox.message_view(message)


@api_route(
    "GET",
    "/api/v1/federation/rejections",
    summary="The latest messages the inbox rejected (bounded log), newest first.",
    roles=STAFF,
    tag=TAG,
)
def list_rejections(call: Call) -> list[dict[str, Any]]:
    rows = call.session.scalars(
        select(InboxRejection).order_by(InboxRejection.id.desc()).limit(200)
    )
    return [
        {
            "at": row.at,
            "remote": row.remote,
            "claimed_iss": row.claimed_iss,
            "code": row.code,
            "detail": row.detail,
        }
        for row in rows
    ]


ROUTES = [inbox_route, list_outbox, retry_dead_letter, discard_dead_letter, list_rejections]
