"""The audit log is a hash chain: the application only appends, and verify-audit finds any edit,
gap, reordering or cut, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import delete, select, update

from evalsite.schema import alembic_config
from surveys import audit_chain
from surveys.db import claim_write_lock, make_engine, make_session_factory
from surveys.models import AuditChainHead, AuditEntry, AuditLogIsAppendOnly
from surveys.services import audit
from tests.conftest import NOW


@pytest.fixture
def logged(session):
    """Six entries, committed; returns their ids oldest first."""
    ids = []
    for i in range(6):
        entry = audit.record(
            session, "unit.create", now=NOW + timedelta(seconds=i), actor_id=None, summary=f"单位{i}", n=i
        )
        ids.append(entry.id)
    session.commit()
    return ids


def verify(runner):
    return runner.invoke(args=["verify-audit"])


def test_an_intact_log_verifies_with_a_summary(runner, logged):
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "审计日志完整：6 条记录" in result.output


def test_an_empty_log_verifies(runner):
    result = verify(runner)
    assert result.exit_code == 0 and "0 条记录" in result.output


def test_each_entry_links_to_the_one_before(session, logged):
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert entries[0].prev_hash == audit_chain.GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:], strict=False))
    assert session.get(AuditChainHead, audit_chain.HEAD_ID).last_hash == entries[-1].hash


def tamper(engine, statement) -> None:
    """Change rows behind the application's back, as someone with database access could."""
    with engine.begin() as conn:
        conn.execute(statement)


@pytest.mark.parametrize(
    "column, value", [("summary", "改过的"), ("detail", {"n": 99}), ("action", "unit.delete"), ("at", NOW)]
)
def test_an_edited_entry_is_named(runner, engine, logged, column, value):
    tamper(engine, update(AuditEntry.__table__).where(AuditEntry.id == logged[2]).values({column: value}))
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entry {logged[2]}: content does not match its hash" in result.output


def test_a_deleted_entry_leaves_a_gap_that_is_named(runner, engine, logged):
    tamper(engine, delete(AuditEntry.__table__).where(AuditEntry.id == logged[3]))
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entry {logged[4]}: link broken" in result.output


def test_entries_cut_from_the_end_are_detected(runner, engine, logged):
    tamper(engine, delete(AuditEntry.__table__).where(AuditEntry.id >= logged[4]))
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entries after {logged[3]} are missing" in result.output


def test_swapped_entries_are_detected(runner, engine, session, logged):
    rows = {row.id: row for row in session.execute(select(AuditEntry.__table__)).all()}
    session.commit()
    first, second = logged[1], logged[2]
    columns = [c.name for c in AuditEntry.__table__.columns if c.name != "id"]
    for target, source in ((first, second), (second, first)):
        values = {c: getattr(rows[source], c) for c in columns}
        tamper(engine, update(AuditEntry.__table__).where(AuditEntry.id == target).values(values))
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entry {first}: link broken" in result.output


def test_an_entry_recomputed_without_the_rest_still_breaks_the_next_link(runner, engine, session, logged):
    entry = session.get(AuditEntry, logged[2])
    forged = audit_chain.entry_hash(entry.prev_hash, _Changed(entry, summary="改过的"))
    session.commit()
    tamper(
        engine,
        update(AuditEntry.__table__).where(AuditEntry.id == logged[2]).values(summary="改过的", hash=forged),
    )
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entry {logged[3]}: link broken" in result.output


class _Changed:
    def __init__(self, entry, **changes):
        for name in ("at", "actor_id", "action", "object_type", "object_id", "summary", "detail"):
            setattr(self, name, changes.get(name, getattr(entry, name)))


def test_the_application_cannot_edit_or_delete_entries(session, logged):
    entry = session.get(AuditEntry, logged[0])
    entry.summary = "改过的"
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()
    session.rollback()
    session.delete(session.get(AuditEntry, logged[0]))
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()
    session.rollback()
    for statement in (update(AuditEntry).values(summary="x"), delete(AuditEntry)):
        with pytest.raises(AuditLogIsAppendOnly):
            session.execute(statement)
        session.rollback()
    assert len(session.scalars(select(AuditEntry)).all()) == 6


def test_concurrent_writers_do_not_fork_the_chain(engine, runner, session):
    sessions = make_session_factory(engine)
    errors = []

    def write(worker: int) -> None:
        for i in range(15):
            with sessions() as own:
                try:
                    claim_write_lock(own)  # as every writing use case on SQLite should
                    audit.record(own, "probe", now=NOW, actor_id=None, summary=f"{worker}-{i}")
                    own.commit()
                except Exception as error:  # noqa: BLE001 - collected and asserted below
                    errors.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "60 条记录" in result.output


def test_the_migration_hashes_entries_written_before_it(url):  # noqa: F811 - the fixture above
    cfg = alembic_config(url)
    command.upgrade(cfg, "0003")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO audit_entries (at, action, object_type, summary, detail) VALUES "
                "('2026-01-01 08:00:00', 'unit.create', 'units', '旧记录一', '{}'), "
                "('2026-01-02 08:00:00', 'unit.update', 'units', '旧记录二', '{\"after\": {\"name\": \"新\"}}')"
            )
        command.upgrade(cfg, "head")
        with make_session_factory(engine)() as session:
            report = audit_chain.verify(session)
            assert report.is_intact and report.entries == 2, report
            audit.record(session, "unit.create", now=NOW, actor_id=None, summary="迁移之后")
            session.commit()
            assert audit_chain.verify(session).entries == 3
            assert audit_chain.verify(session).is_intact
    finally:
        engine.dispose()
