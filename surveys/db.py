"""Engine, session factory and declarative base shared by the whole domain core."""

from __future__ import annotations

import contextlib
import enum
import os
import time
import uuid
from pathlib import Path
from typing import ClassVar

from sqlalchemy import MetaData, create_engine, event, exc, inspect, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

#: Stable constraint names, so Alembic migrations can refer to them on every dialect.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    #: What ``repr`` shows: the primary key and one telling field (the primary key alone
    #: when empty). Never a secret, a password hash or a code digest.
    __repr_fields__: ClassVar[tuple[str, ...]] = ()

    def __repr__(self) -> str:
        """``Campaign(id=3, name='2026年度评议')``: loaded values only, so a repr never queries."""
        mapper = inspect(type(self))
        names = self.__repr_fields__ or tuple(mapper.get_property_by_column(c).key for c in mapper.primary_key)
        shown = ", ".join(
            f"{name}={_repr_value(self.__dict__[name]) if name in self.__dict__ else '?'}" for name in names
        )
        return f"{type(self).__name__}({shown})"


def _repr_value(value: object) -> str:
    return f"{type(value).__name__}.{value.name}" if isinstance(value, enum.Enum) else repr(value)


def new_uuid() -> str:
    """A random (version 4) id: never sequential, never time-ordered."""
    return str(uuid.uuid4())


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and explicit BEGINs.

    pysqlite's own transaction handling is switched off so that we emit BEGIN ourselves:
    a deferred BEGIN by default, BEGIN IMMEDIATE when a use case claims the write lock
    up front (see `claim_write_lock`).
    """
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            create_private_file(Path(database))
        kwargs.setdefault("connect_args", {})
        kwargs["connect_args"].setdefault("timeout", 5.0)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, **kwargs)
    _ping_after_idle(engine)
    return engine


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only (0600), unless it exists.

    A SQLite database holds code digests and ballots; SQLite would create it under the umask
    (often 0644, world-readable), and its -wal and -shm files take the database file's mode.
    An empty file is what SQLite takes for a new database. A missing folder is left for
    SQLite to report, as before.
    """
    if not path.parent.is_dir():
        return
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


#: A pooled server connection idle longer than this is pinged before it is handed out.
PING_AFTER_IDLE = 1.0  # seconds


def _ping_after_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling, without a round trip on every checkout.

    SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` before every checkout, i.e. once per
    request: on a busy server most of a ballot's round trips to PostgreSQL besides its own
    statements. What the ping guards against is a connection that died while it sat in the
    pool (server restarted, idle connection cut by a firewall or pgbouncer). So only a
    connection idle for more than `PING_AFTER_IDLE` is pinged, the way SQLAlchemy's pre-ping
    does it (a dead one is replaced, the caller never sees it). One checked in moments ago
    by the same worker is used at once; if the server went away in those moments, the
    statement fails as it would mid-request, and SQLAlchemy invalidates the whole pool so
    the worker's next request reconnects (tests/integration/test_reconnect.py).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", 0.0) <= PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError("pooled connection is gone") from error  # the pool reconnects


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.connection.driver_connection.execute(f"BEGIN {mode}")  # bare: it starts every write


def claim_write_lock(session: Session) -> None:
    """Start the session's transaction as a writer (BEGIN IMMEDIATE on SQLite).

    Must be the first thing done in the transaction. A deferred transaction that reads
    and then writes fails with "database is locked" when another writer got in between;
    claiming the lock first makes it wait its turn instead. No effect on PostgreSQL.
    """
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def truncate_wal(session: Session) -> None:
    """Empty SQLite's write-ahead log, which keeps pages in the order they were committed.

    Called after a round is closed and committed, so a copy of the database files holds no
    trace of which ballot was written together with which code. No effect on PostgreSQL.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        session.commit()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
