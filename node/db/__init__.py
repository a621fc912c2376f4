"""Database access: one engine per node, one transaction per request or command.

* :class:`Base` — the declarative base every model inherits (typed ``Mapped[...]`` columns).
* :class:`Database` — the engine plus two ways in: :meth:`Database.transaction` for writes (commits
  on success, rolls back on any error, then runs after-commit callbacks) and :meth:`Database.reading`
  for reads.
* :func:`after_commit` — schedule a callback (e.g. a plugin event) for when the transaction commits.

SQLite is tuned for a small multi-process node: WAL journal, foreign keys on, a busy timeout, and
write transactions that start with ``BEGIN IMMEDIATE`` so two writers queue for the lock up front
instead of failing half-way when one upgrades a read lock. Reads start a deferred transaction and
never block writers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import MetaData, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from node.errors import NotFound

SQLITE_BUSY_TIMEOUT_MS = 15_000
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


Row = TypeVar("Row")


class Base(DeclarativeBase):
    """Base of all models; constraint names are deterministic so migrations can name them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and ``BEGIN IMMEDIATE``."""
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if ":memory:" not in url and "mode=memory" not in url:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")  # money: a commit survives a power loss
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = "DEFERRED" if connection.get_execution_options().get("coop_read") else "IMMEDIATE"
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def lock_row(session: Session, model: type[Row], row_id: int) -> Row | None:
    """Load one row with ``SELECT … FOR UPDATE`` (PostgreSQL; SQLite's write transaction is
    already exclusive), refreshed as committed by the lock's previous holder."""
    query = (
        select(model)
        .where(model.id == row_id)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return cast("Row | None", session.scalars(query).one_or_none())


def locked(session: Session, model: type[Row], row_id: int, missing: str) -> Row:
    """:func:`lock_row`, or 404 with ``missing`` when there is no such row."""
    row = lock_row(session, model, row_id)
    if row is None:
        raise NotFound(missing)
    return row


_AFTER_COMMIT = "coop_after_commit"


def after_commit(session: Session, callback: Callable[[], Any]) -> None:
    """Run ``callback`` once the session's transaction has committed (never if it rolls back)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


class Database:
    """The node's database: an engine and its session factories."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(
            self.engine.execution_options(coop_read=True), expire_on_commit=False
        )
        self.on_callback_error: Callable[[BaseException], None] | None = None

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: commit if the block succeeds, roll back everything if not."""
        session = self._writer()
        try:
            with session.begin():
                yield session
            callbacks = session.info.pop(_AFTER_COMMIT, [])
        finally:
            session.close()
        for callback in callbacks:
            try:
                callback()
            except Exception as exc:  # an event hook must not undo a committed change
                if self.on_callback_error is None:
                    raise
                self.on_callback_error(exc)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work (rolled back at the end; it never writes)."""
        session = self._reader()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
