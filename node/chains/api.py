"""Value chain endpoints (see :mod:`node.chains.service`, :mod:`node.chains.allocation`).

=====================================================================  ==========  =======================
``POST /api/v1/chains``                                                staff       propose (lead node)
``GET  /api/v1/chains``                                                all         staff: every chain;
                                                                                   a member: theirs
``GET  /api/v1/chains/{id}``                                           all         one (404 if not theirs)
``GET  /api/v1/chains/{id}/allocations``                               all         its allocations (a
                                                                                   member: their own)
``POST /api/v1/chains/{id}/contributors/{contributor_id}/accept``      staff       the member consents
``POST /api/v1/chains/{id}/contributors/{contributor_id}/refuse``      staff       the member declines
``POST /api/v1/chains/{id}/invoice``                                   staff       invoice the client
``POST /api/v1/chains/{id}/allocate``                                  staff       catch up on what is due
``POST /api/v1/chains/{id}/default``                                   staff       the client defaulted
``POST /api/v1/chains/{id}/cancel``                                    staff       withdraw (lead node)
=====================================================================  ==========  =======================

Self-billed invoices and the supplier details they need: :mod:`node.chains.self_billing_api`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from federation.identity import parse_node_id
from node.chains import allocation, invoicing, self_billing_api, service, views
from node.errors import ValidationProblem
from node.federation.signing import node_signer
from node.guarantee.policy import GuaranteePolicy
from node.invoices.api import ISSUE, KEY
from node.invoices.service import seller_from
from node.web.api import ANY_USER, STAFF, Call, api_route
from node.web.validation import CURRENCY, DECIMAL, obj

TAG = "chains"
ALL = "/api/v1/chains"
ONE = ALL + "/{chain_id:int}"
CONTRIBUTOR = ONE + "/contributors/{contributor_id:int}"
TEXT = {"type": "string", "minLength": 1, "maxLength": 500, "pattern": r"\S"}
SHARE = obj({"kind": {"enum": ["percent", "fixed"]}, "value": DECIMAL}, required=("kind", "value"))
CONTRIBUTOR_BODY = obj(
    {
        "node": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "description": "The member's node (an active peer); this node when left out.",
        },
        "member_ref": {
            "type": "string",
            "pattern": "^[A-Za-z0-9._:-]{1,64}$",
            "description": "A member of this node: their id; of another node: the reference "
            "their node gave.",
        },
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "share": SHARE,
    },
    required=("member_ref", "share"),
)
PROPOSE = obj(
    {
        "client_id": {"type": "integer", "minimum": 1},
        "description": TEXT,
        "amount": {**DECIMAL, "description": "Excluding VAT, in the node's currency."},
        "currency": CURRENCY,
        "contributors": {"type": "array", "items": CONTRIBUTOR_BODY, "minItems": 1, "maxItems": 50},
        "fee_policy": obj(
            {"kind": {"enum": ["each_node", "lead_node"]}, "lead_rate": DECIMAL},
            required=("kind",),
        ),
        "guarantee": {"enum": ["on_issue", "on_payment"]},
        "default_policy": {"enum": ["contributors_bear_pro_rata", "lead_bears"]},
    },
    required=(
        "client_id",
        "description",
        "amount",
        "contributors",
        "fee_policy",
        "guarantee",
        "default_policy",
    ),
)
ACCEPT = obj(
    {
        "consent_given_at": {
            "type": "string",
            "format": "date-time",
            "description": "When the member consented (now when left out).",
        },
        "activity_id": {
            "type": "integer",
            "minimum": 1,
            "description": "One of the member's open activities for the share; a new one when "
            "left out.",
        },
    }
)
REFUSE = obj({"reason": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"}})
INVOICE = {**ISSUE, "properties": {**ISSUE["properties"], "idempotency_key": KEY}}


def _own_node(call: Call) -> str:
    return parse_node_id(node_signer(call.node).node_id)


@api_route(
    "POST",
    ALL,
    summary="Propose a value chain led by this node; each contributor node is asked.",
    roles=STAFF,
    tag=TAG,
    body=PROPOSE,
    status=201,
)
def propose_chain(call: Call) -> dict[str, Any]:
    body = call.body
    chain = service.propose(
        call.session,
        call.settings,
        _own_node(call),
        client_id=body["client_id"],
        description=body["description"],
        amount=body["amount"],
        contributors=body["contributors"],
        fee_policy=body["fee_policy"],
        guarantee=body["guarantee"],
        default_policy=body["default_policy"],
        currency=body.get("currency"),
        actor=call.actor,
        request_id=call.request_id,
    )
    return views.chain_view(chain)


@api_route(
    "GET",
    ALL,
    summary="Value chains (a member: those they contribute to).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
)
def list_chains(call: Call) -> list[dict[str, Any]]:
    return [views.chain_view(chain) for chain in views.chains_of(call.session, call.caller())]


@api_route("GET", ONE, summary="One value chain.", roles=ANY_USER, tag=TAG, own_records=True)
def read_chain(call: Call) -> dict[str, Any]:
    return views.chain_view(views.visible_chain(call.session, call.caller(), call.path["chain_id"]))


@api_route(
    "GET",
    ONE + "/allocations",
    summary="A chain's allocations (a member: their own).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
)
def chain_allocations(call: Call) -> list[dict[str, Any]]:
    principal = call.caller()
    chain = views.visible_chain(call.session, principal, call.path["chain_id"])
    refs = {c.id: c.member_ref for c in chain.contributors}
    mine = {c.id for c in chain.contributors if c.member_id == principal.member_id}
    return [
        views.allocation_view(row, refs)
        for row in views.allocations_of(call.session, chain)
        if principal.is_staff or row.contributor_id in mine
    ]


def _instant(text: str | None) -> datetime | None:
    """A date-time with its offset (a time without one names no instant)."""
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValidationProblem.single(
            "consent_given_at", "Give the time with its offset (e.g. Z).", "format"
        )
    return value


def _decide(call: Call, accept: bool) -> dict[str, Any]:
    body = call.body or {}
    chain = service.decide(
        call.session,
        call.settings,
        _own_node(call),
        call.path["chain_id"],
        call.path["contributor_id"],
        accept=accept,
        actor=call.actor,
        consent_given_at=_instant(body.get("consent_given_at")),
        activity_id=body.get("activity_id"),
        reason=body.get("reason"),
        request_id=call.request_id,
    )
    return views.chain_view(chain)


@api_route(
    "POST",
    CONTRIBUTOR + "/accept",
    summary="Record a member of this node consenting to their share; the lead node is told.",
    roles=STAFF,
    tag=TAG,
    body=ACCEPT,
)
def accept_share(call: Call) -> dict[str, Any]:
    return _decide(call, True)


@api_route(
    "POST",
    CONTRIBUTOR + "/refuse",
    summary="Record a member of this node declining their share: the chain is cancelled.",
    roles=STAFF,
    tag=TAG,
    body=REFUSE,
)
def refuse_share(call: Call) -> dict[str, Any]:
    return _decide(call, False)


@api_route(
    "POST",
    ONE + "/invoice",
    summary="Invoice the client of a chain every contributor accepted (lead node).",
    roles=STAFF,
    tag=TAG,
    body=INVOICE,
)
def invoice_chain(call: Call) -> dict[str, Any]:
    settings, body = call.settings, call.body
    issue_date = body.get("issue_date")
    chain = invoicing.invoice_chain(
        call.session,
        call.node.jurisdiction,
        call.caller(),
        call.path["chain_id"],
        seller=seller_from(settings, body),
        payment_days=settings["invoices.payment_days"],
        guarantee=GuaranteePolicy.from_settings(settings),
        idempotency_key=body["idempotency_key"],
        issue_date=None if issue_date is None else date.fromisoformat(issue_date),
        request_id=call.request_id,
    )
    return views.chain_view(chain)


def _chain(call: Call) -> Any:
    return service.locked_chain(call.session, call.path["chain_id"])


@api_route(
    "POST",
    ONE + "/allocate",
    summary="Allocate what the client's payments (or the invoice) made due and is not "
    "allocated yet; nothing when nothing is.",
    roles=STAFF,
    tag=TAG,
)
def allocate_chain(call: Call) -> list[dict[str, Any]]:
    chain = _chain(call)
    refs = {c.id: c.member_ref for c in chain.contributors}
    return [views.allocation_view(r, refs) for r in allocation.allocate_due(call.session, chain)]


@api_route(
    "POST",
    ONE + "/default",
    summary="The client defaulted: apply the chain's default policy (lead node).",
    roles=STAFF,
    tag=TAG,
)
def default_chain(call: Call) -> dict[str, Any]:
    allocation.declare_default(
        call.session, call.path["chain_id"], actor=call.actor, request_id=call.request_id
    )
    return views.chain_view(_chain(call))


@api_route(
    "POST",
    ONE + "/cancel",
    summary="Withdraw a chain before it is invoiced (lead node); every node is told.",
    roles=STAFF,
    tag=TAG,
)
def cancel_chain(call: Call) -> dict[str, Any]:
    chain = service.cancel(
        call.session, call.path["chain_id"], actor=call.actor, request_id=call.request_id
    )
    return views.chain_view(chain)


ROUTES = [
    propose_chain,
    list_chains,
    read_chain,
    chain_allocations,
    accept_share,
    refuse_share,
    invoice_chain,
    allocate_chain,
    default_chain,
    cancel_chain,
    *self_billing_api.ROUTES,
]
