"""Alembic environment: runs on the connection handed over by :mod:`node.db.migrate`."""

from alembic import context

from node.db.registry import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
