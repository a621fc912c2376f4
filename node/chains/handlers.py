"""The value chain message handlers, for the node's registry (:mod:`node.federation.handlers`)."""

from __future__ import annotations

from node.chains import allocation, messages, service
from node.federation.inbox import Handler

HANDLERS: dict[str, Handler] = {
    messages.PROPOSAL: service.handle_proposal,
    messages.ACCEPTANCE: service.handle_acceptance,
    messages.CANCELLED: service.handle_cancelled,
    messages.INVOICED: service.handle_invoiced,
    messages.ALLOCATION: allocation.handle_allocation,
}
