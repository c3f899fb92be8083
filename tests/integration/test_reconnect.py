"""A pooled PostgreSQL connection that died is replaced, with or without a ping first.

`surveys.db.make_engine` pings a server connection before handing it out only if it sat in
the pool longer than `PING_AFTER_IDLE` (what ``pool_pre_ping`` guards against), not on every
request. These tests kill the connection's server process, as a restart would.
"""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text

from surveys import db
from tests.conftest import PG_SERVER

pytestmark = pytest.mark.skipif(not PG_SERVER, reason="pings and server processes are PostgreSQL's (no pool on SQLite)")


@pytest.fixture
def pool(database_url):
    engine = db.make_engine(database_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(pool, monkeypatch):
    count = []
    ping = pool.dialect.do_ping
    monkeypatch.setattr(pool.dialect, "do_ping", lambda conn: count.append(1) or ping(conn))
    return count


def backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def kill(engine, pid: int) -> None:
    with engine.connect() as conn:  # the pool's one connection is the dead one's: use a new one
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.commit()


@pytest.fixture
def killer(database_url):
    engine = db.make_engine(database_url)
    yield lambda pid: kill(engine, pid)
    engine.dispose()


def test_a_connection_back_in_the_pool_moments_ago_is_used_without_a_ping(pool, pings, monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 3600.0)
    first = backend_pid(pool)
    assert backend_pid(pool) == first
    assert pings == []


def test_a_connection_that_died_while_idle_is_pinged_and_replaced_unseen(pool, pings, killer, monkeypatch):
    first = backend_pid(pool)
    killer(first)
    monkeypatch.setattr(db, "PING_AFTER_IDLE", -1.0)  # as if it had sat in the pool for long
    assert backend_pid(pool) != first  # no error reaches the caller
    assert pings  # the ping found it dead


def test_a_connection_that_died_moments_ago_fails_once_then_the_pool_reconnects(pool, pings, killer, monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 3600.0)
    first = backend_pid(pool)
    killer(first)
    with pytest.raises(exc.DBAPIError) as failed:
        backend_pid(pool)
    assert failed.value.connection_invalidated
    assert backend_pid(pool) != first
    assert pings == []
