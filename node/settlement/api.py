"""Settlement and reconciliation endpoints, for staff (see :mod:`node.settlement.service`).

=====================================================  =================================================
``GET  /api/v1/admin/settlements``                     statements (``?peer=`` one peer's)
``POST /api/v1/admin/settlements``                     propose: one statement per currency with a peer
``GET  /api/v1/admin/settlements/{id}``                one statement with its lines
``POST /api/v1/admin/settlements/{id}/pay``            pay the net this node owes (a settlement payout)
``POST /api/v1/admin/settlements/{id}/received``       the net this node is due arrived on its account
``POST /api/v1/admin/reconciliations``                 ask a peer for its clearing items and compare
``GET  /api/v1/admin/reconciliations/{id}``            the comparison (``waiting`` until the report)
=====================================================  =================================================
"""

from __future__ import annotations

from datetime import date
from typing import Any

from federation.identity import parse_node_id
from node.db.types import utcnow
from node.federation.signing import node_signer
from node.members.identifiers import Vault
from node.settlement import payment, reconciliation, service
from node.web.api import STAFF, Call, api_route
from node.web.validation import DATE, obj

TAG = "settlement"
ALL = "/api/v1/admin/settlements"
ONE = ALL + "/{statement_id:int}"
RECONCILIATIONS = "/api/v1/admin/reconciliations"
PEER = {"type": "string", "minLength": 1, "maxLength": 255, "description": "The peer's node id."}
PROPOSE = obj(
    {"peer": PEER, "until": {**DATE, "description": "The last day of items (today if left out)."}},
    required=("peer",),
)
PAY = obj(
    {
        "creditor_name": {"type": "string", "minLength": 1, "maxLength": 200},
        "creditor_iban": {"type": "string", "minLength": 5, "maxLength": 50},
    }
)
RECEIVED = obj(
    {"received_on": DATE, "bank_reference": {"type": "string", "maxLength": 80}},
    required=("received_on",),
)
RECONCILE = obj({"peer": PEER, "as_of": DATE}, required=("peer",))
LIST_QUERY = obj({"peer": {"type": "string", "maxLength": 255}})


def _own_node(call: Call) -> str:
    return parse_node_id(node_signer(call.node).node_id)


def _day(call: Call, field: str) -> date:
    return date.fromisoformat(call.body[field]) if field in call.body else utcnow().date()


@api_route(
    "GET", ALL, summary="Settlement statements with peers.", roles=STAFF, tag=TAG, query=LIST_QUERY
)
def list_statements(call: Call) -> list[dict[str, Any]]:
    return [service.view(r) for r in service.statements_of(call.session, call.query.get("peer"))]


@api_route(
    "POST",
    ALL,
    summary="Settle with a peer: one statement per currency of the items no statement holds yet.",
    roles=STAFF,
    tag=TAG,
    body=PROPOSE,
    status=201,
)
def propose_statements(call: Call) -> list[dict[str, Any]]:
    rows = service.propose(
        call.session,
        call.settings,
        _own_node(call),
        call.body["peer"],
        _day(call, "until"),
        actor=call.actor,
    )
    return [service.view(row) for row in rows]


@api_route("GET", ONE, summary="One settlement statement.", roles=STAFF, tag=TAG)
def get_statement(call: Call) -> dict[str, Any]:
    return service.view(service.get(call.session, call.path["statement_id"]))


@api_route(
    "POST",
    ONE + "/pay",
    summary="Pay the net this node owes on a confirmed statement (a settlement payout).",
    roles=STAFF,
    tag=TAG,
    body=PAY,
)
def pay_statement(call: Call) -> dict[str, Any]:
    row = payment.pay(
        call.session,
        call.settings,
        Vault.from_settings(call.settings, call.node.cipher),
        call.path["statement_id"],
        actor=call.actor,
        creditor_name=call.body.get("creditor_name"),
        creditor_iban=call.body.get("creditor_iban"),
        request_id=call.request_id,
    )
    return service.view(row)


@api_route(
    "POST",
    ONE + "/received",
    summary="Record that the net this node is due arrived on its bank account.",
    roles=STAFF,
    tag=TAG,
    body=RECEIVED,
)
def statement_received(call: Call) -> dict[str, Any]:
    row = payment.record_received(
        call.session,
        call.path["statement_id"],
        received_on=_day(call, "received_on"),
        actor=call.actor,
        bank_reference=call.body.get("bank_reference"),
    )
    return service.view(row)


@api_route(
    "POST",
    RECONCILIATIONS,
    summary="Ask a peer for its clearing items, to compare them with this node's to the cent.",
    roles=STAFF,
    tag=TAG,
    body=RECONCILE,
    status=201,
)
def start_reconciliation(call: Call) -> dict[str, Any]:
    row = reconciliation.start(
        call.session, call.body["peer"], _day(call, "as_of"), actor=call.actor
    )
    return reconciliation.view(row)


@api_route(
    "GET",
    RECONCILIATIONS + "/{reconciliation_id:int}",
    summary="A reconciliation: waiting for the peer's report, or every differing item.",
    roles=STAFF,
    tag=TAG,
)
def get_reconciliation(call: Call) -> dict[str, Any]:
    return reconciliation.view(reconciliation.get(call.session, call.path["reconciliation_id"]))


ROUTES = [
    list_statements,
    propose_statements,
    get_statement,
    pay_statement,
    statement_received,
    start_reconciliation,
    get_reconciliation,
]
