"""Many rows into one table in one go: ``COPY`` on PostgreSQL, ``executemany`` on SQLite.

A payroll chunk writes thousands of payslips, payouts, postings and audit entries. Through
psycopg, ``executemany`` sends one INSERT per row (pipelined, but each parsed and executed on
its own) and SQLAlchemy's multi-row ``VALUES`` pages cost more to build in Python than they
save; ``COPY … FROM STDIN`` streams the rows as data, several times faster. On SQLite the
driver's ``executemany`` is in-process and already cheap.

Values go through the columns' own bind processors first (JSON, UTC datetimes, enums …), so a
row is stored exactly as an ORM or Core insert would store it; Python-side column defaults
(``default=utcnow`` …) are applied the same way. Rows are dicts keyed by column key, all with
the same keys. The ids are not returned: callers read them back by a unique key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Column, Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def table_of(model: type[Any]) -> Table:
    """A model's table, for Core multi-row inserts (no per-object unit of work)."""
    return cast(Table, model.__table__)


def insert_rows(session: Session, model: type[Any], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` into ``model``'s table within the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    table = table_of(model)
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    columns, values = _copy_columns(table, rows[0], connection.dialect)
    names = ", ".join(connection.dialect.identifier_preparer.quote(c.name) for c in columns)
    quoted = connection.dialect.identifier_preparer.format_table(table)
    statement = f"COPY {quoted} ({names}) FROM STDIN"
    driver = connection.connection.driver_connection
    assert driver is not None
    dbapi = connection.dialect.loaded_dbapi
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([value(row) for value in values])
    except dbapi.Error as error:  # as SQLAlchemy raises them: IntegrityError …
        raise DBAPIError.instance(
            statement, None, error, dbapi.Error, dialect=connection.dialect
        ) from error


def _copy_columns(
    table: Table, sample: Mapping[str, Any], dialect: Dialect
) -> tuple[list[Column[Any]], list[Callable[[Mapping[str, Any]], Any]]]:
    """The columns to copy (those given, and those with a Python-side default) and, for each,
    how to turn a row into the value the driver receives."""
    columns: list[Column[Any]] = []
    values: list[Callable[[Mapping[str, Any]], Any]] = []
    for column in table.columns:
        default = column.default
        if column.key not in sample and (default is None or not hasattr(default, "arg")):
            continue  # the database's own default (or NULL) applies
        columns.append(column)
        values.append(_value_of(column, dialect))
    return columns, values


def _value_of(column: Column[Any], dialect: Dialect) -> Callable[[Mapping[str, Any]], Any]:
    key = column.key
    process = column.type._cached_bind_processor(dialect)
    fallback = _default_of(column)

    def value(row: Mapping[str, Any]) -> Any:
        found = row[key] if key in row else fallback()
        return found if process is None else process(found)

    return value


def _default_of(column: Column[Any]) -> Callable[[], Any]:
    default = column.default
    if default is None or not hasattr(default, "arg"):
        return lambda: None
    arg = default.arg
    if getattr(default, "is_callable", False):
        return lambda: arg(None)  # SQLAlchemy wraps plain callables to take a context
    return lambda: arg
