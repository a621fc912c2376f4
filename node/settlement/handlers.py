"""The settlement message handlers, for the node's registry (:mod:`node.federation.handlers`).

Answering a statement names this node's account and a reconciliation's summary its country, so
the handlers take the running node's settings.
"""

from __future__ import annotations

from functools import partial

from node.config import Settings
from node.federation.inbox import Handler
from node.settlement import messages, payment, reconciliation, service


def handlers(settings: Settings) -> dict[str, Handler]:
    return {
        messages.STATEMENT: partial(service.handle_statement, settings),
        messages.ANSWER: service.handle_answer,
        messages.PAID: payment.handle_paid,
        messages.QUERY: reconciliation.handle_query,
        messages.REPORT: partial(reconciliation.handle_report, settings["node.country"]),
    }
