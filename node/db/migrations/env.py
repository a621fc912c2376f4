"""Alembic environment: runs on the connection handed over by :mod:`node.db.migrate`."""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from node.db.registry import metadata
from node.db.types import UTCDateTime


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our own column types as imports, not dotted paths, in generated migrations."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("from node.db.types import UTCDateTime")
        return "UTCDateTime()"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
