"""Liveness and readiness probes for process supervisors and load balancers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from node import __version__
from node.db.migrate import is_current
from node.errors import NotReady
from node.i18n import N_
from node.web.api import PUBLIC, Call, api_route

STATUS = {
    "type": "object",
    "properties": {"status": {"type": "string"}, "version": {"type": "string"}},
    "required": ["status"],
}


@api_route(
    "GET",
    "/healthz",
    summary="The process is up.",
    roles=PUBLIC,
    tag="operations",
    response=STATUS,
    database="none",
)
def healthz(call: Call) -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


@api_route(
    "GET",
    "/readyz",
    summary="The database is reachable and its schema is current.",
    roles=PUBLIC,
    tag="operations",
    response=STATUS,
    database="none",
)
def readyz(call: Call) -> dict[str, Any]:
    db = call.node.db
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = is_current(db)
    except Exception as exc:
        raise NotReady(
            N_("The database is unreachable: {error}.").format(error=type(exc).__name__)
        ) from None
    if not current:
        raise NotReady(N_("The database schema is not current; run `coopnode migrate`."))
    return {"status": "ready", "version": __version__}


ROUTES = [healthz, readyz]
