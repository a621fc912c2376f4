"""The application factory: one Starlette app per :class:`node.runtime.Node`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import import_module
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from node.runtime import Node
from node.web.api import PUBLIC, Call, api_route
from node.web.middleware import BodySizeLimitMiddleware, RequestIdMiddleware
from node.web.openapi import build_openapi
from node.web.problems import EXCEPTION_HANDLERS

# Each module exposes ``ROUTES``; the order is the order of matching.
ROUTE_MODULES = (
    "node.web.health",
    "node.identity.api",
    "node.members.api",
    "node.shares.api",
    "node.clients.api",
    "node.ledger.api",
    "node.activities.api",
    "node.payouts.api",
    "node.expenses.api",
    "node.transfers.api",
    "node.invoices.api",
    "node.quotes.api",
    "node.payments.api",
    "node.guarantee.api",
    "node.payroll.api",
    "node.federation.well_known",
    "node.federation.api",
    "node.federation.attestations_api",
    "node.federation.peers_api",
    "node.federation.keys_api",
    "node.chains.api",
    "node.postings.api",
    "node.hosting.api",
    "node.fx.api",
    "node.settlement.api",
    "node.web.pages",
)


@api_route(
    "GET",
    "/openapi.json",
    summary="This API's OpenAPI 3.1 document.",
    roles=PUBLIC,
    tag="operations",
    database="none",
)
def openapi_document(call: Call) -> dict[str, Any]:
    return call.request.app.state.openapi


def collect_routes(node: Node) -> list[BaseRoute]:
    routes: list[BaseRoute] = [openapi_document]
    for module in ROUTE_MODULES:
        routes.extend(import_module(module).ROUTES)
    for _plugin, route in node.plugins.collect("coop_register_routes", settings=node.settings):
        routes.append(route)
    return routes


def create_app(node: Node) -> Starlette:
    """Build the ASGI application for a bootstrapped node."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        node.close()

    routes = collect_routes(node)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(BodySizeLimitMiddleware, max_bytes=node.settings["server.max_body_bytes"]),
        ],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=lifespan,
    )
    app.state.node = node
    app.state.openapi = build_openapi(routes, title=f"coopnode — {node.settings['node.name']}")
    return app
