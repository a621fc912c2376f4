"""``coopnode serve``'s application: the node's app with the delivery worker on a thread.

The worker starts once the app has started and stops before the node closes; with several
uvicorn workers each process runs one (leases keep them apart). Tests build apps with
:func:`node.app.create_app` and get no worker.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette

from node.app import create_app
from node.config import load_settings
from node.federation.delivery import Background
from node.runtime import bootstrap


def app_with_delivery() -> Starlette:
    """An app factory for uvicorn (``factory=True``)."""
    node = bootstrap(load_settings())
    app = create_app(node)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with inner(app):
            delivery = Background(node)
            delivery.start()
            try:
                yield
            finally:
                delivery.close()

    app.router.lifespan_context = lifespan
    return app
