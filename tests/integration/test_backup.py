"""``flask backup`` and ``flask restore``: consistent copies while ballots arrive, checked restores.

The command tests work on SQLite files of their own (whatever database the suite runs on);
the test under load uses the suite's database: on SQLite through ``backup``/``restore``, on
PostgreSQL through ``backup`` (pg_dump) and pg_restore into a fresh database, as the README
tells an operator to do.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from evalsite import create_app
from evalsite.schema import upgrade_database
from surveys import backup
from surveys.backup import BackupError, check_dump, libpq
from surveys.db import make_engine, make_session_factory
from surveys.models import Ballot, Campaign, Code, CodeStatus, Comment
from surveys.scoring.results import to_json
from surveys.services import campaigns, issuing, rounds
from surveys.services.scoring_runs import score_campaign
from tests.builders import KW, open_first_round
from tests.conftest import NOW, PG_SERVER, scratch_database
from tests.integration.soundness import ballot_problems, code_digest, storage_problems, suggestions, used_codes
from tests.live import KEYS, ROOT, BallotStream, LiveServer, server_env

#: Starts real processes: left out of the inner loop (`pytest -m "not slow"`), always run by CI.
pytestmark = pytest.mark.slow

FLASK = Path(sys.executable).with_name("flask")


# --- the commands, on SQLite files -----------------------------------------------------------


@pytest.fixture
def site(tmp_path):
    """A migrated SQLite database with one campaign, and an app and CLI runner on it."""
    live = tmp_path / "live" / "evalsite.db"
    url = f"sqlite:///{live}"
    upgrade_database(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        campaigns.save_campaign(session, "备份前的活动", 2026, "", **KW)
        session.commit()
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "backup-tests"})
    yield app.test_cli_runner(), engine, live
    engine.dispose()
    app.extensions["evalsite.engine"].dispose()


def campaign_names(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.scalars(select(Campaign.name)))


def add_campaign(engine, name: str) -> None:
    with make_session_factory(engine)() as session:
        campaigns.save_campaign(session, name, 2026, "", **KW)
        session.commit()


def test_a_backup_is_one_private_checked_file_and_restores_over_the_live_database(site, tmp_path):
    runner, engine, live = site
    copy = tmp_path / "evalsite-backup.db"
    result = runner.invoke(args=["backup", str(copy)])
    assert result.exit_code == 0, result.output
    assert "备份完成" in result.output
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    assert not Path(f"{copy}-wal").exists() and not Path(f"{copy}-journal").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []

    add_campaign(engine, "备份后的活动")
    with engine.connect() as still_open:  # a process of the running site keeps its connection
        still_open.scalar(select(Campaign.id).limit(1))
        result = runner.invoke(args=["restore", str(copy), "--yes"])
        assert result.exit_code == 0, result.output
        assert still_open.scalars(select(Campaign.name)).all() == ["备份前的活动", "备份后的活动"]  # its snapshot
        still_open.rollback()
        assert still_open.scalars(select(Campaign.name)).all() == ["备份前的活动"]
    assert campaign_names(engine) == ["备份前的活动"]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_restore_asks_first_and_a_no_leaves_the_database_alone(site, tmp_path):
    runner, engine, _live = site
    copy = tmp_path / "copy.db"
    assert runner.invoke(args=["backup", str(copy)]).exit_code == 0
    add_campaign(engine, "不应丢失的活动")
    result = runner.invoke(args=["restore", str(copy)], input="n\n")
    assert result.exit_code == 1
    assert "替换数据库" in result.output
    assert campaign_names(engine) == ["不应丢失的活动", "备份前的活动"]


def corrupt(path: Path) -> None:
    """Overwrite the middle of the file: b-tree pages no longer say what they hold."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = b"\xa5" * 4096
    path.write_bytes(bytes(data))


def foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.commit()
    conn.close()


def unknown_revision(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = 'ffff'")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (corrupt, "integrity check"),
        (lambda path: path.write_text("这不是数据库\n" * 1000), "not a readable SQLite database"),
        (lambda path: (path.unlink(), foreign(path)), "is not an evalsite database"),
        (unknown_revision, "does not know"),
    ],
    ids=["corrupt", "not-sqlite", "other-sqlite", "unknown-revision"],
)
def test_restore_refuses_a_bad_backup_and_changes_nothing(site, tmp_path, spoil, message):
    runner, engine, live = site
    copy = tmp_path / "copy.db"
    assert runner.invoke(args=["backup", str(copy)]).exit_code == 0
    spoil(copy)
    add_campaign(engine, "现有活动")
    result = runner.invoke(args=["restore", str(copy), "--yes"])
    assert result.exit_code == 1
    assert message in result.output
    assert campaign_names(engine) == ["备份前的活动", "现有活动"]


def test_a_backup_into_a_missing_folder_fails_clearly_and_leaves_no_file(site, tmp_path):
    runner, _engine, _live = site
    result = runner.invoke(args=["backup", str(tmp_path / "nowhere" / "copy.db")])
    assert result.exit_code == 1
    assert "cannot write to" in result.output
    assert not (tmp_path / "nowhere").exists()


def test_restore_on_postgresql_points_to_pg_restore(tmp_path):
    app = create_app(
        {"TESTING": True, "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/x", "SECRET_KEY": "k"}
    )
    dump = tmp_path / "evalsite.dump"
    dump.write_bytes(b"PGDMP")
    result = app.test_cli_runner().invoke(args=["restore", str(dump), "--yes"])
    app.extensions["evalsite.engine"].dispose()
    assert result.exit_code == 1
    assert "pg_restore" in result.output


# --- under load, on the suite's database -----------------------------------------------------


def flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own flask and arguments
        [str(FLASK), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def fresh_url(tmp_path):
    """Where a restored copy goes: a new SQLite file, or a new PostgreSQL database."""
    with scratch_database("restored", tmp_path / "restored.db") as url:
        yield url


def wait_for(stream: BallotStream, count: int, *, after: float = 0.0) -> None:
    deadline = time.monotonic() + 120
    while len(stream.acknowledged() - stream.acknowledged(before=after)) < count:
        assert time.monotonic() < deadline, f"ballots stopped arriving: {stream.outcomes()}"
        time.sleep(0.05)


def varied_answers(round_, targets):
    """Ballot ``i``'s answers: levels that differ by ballot, target and item, so that any ballot
    missing or extra changes the scores."""
    levels = [level.id for level in round_.questionnaire.levels if not level.is_excluded]
    items = [item.id for item in round_.questionnaire.items]

    def answers(i: int) -> dict[int, dict[int, int]]:
        # Target k answers from its first k + 2 levels only, so the targets' totals differ
        # whatever number of ballots the copy holds (a pattern uniform over all levels gave
        # every target the same total whenever that number was a multiple of the period).
        return {
            t.id: {item: levels[(i * 7 + j) % min(k + 2, len(levels))] for j, item in enumerate(items)}
            for k, t in enumerate(targets)
        }

    return answers


def closed_and_scored(engine, round_id: int, campaign_id: int) -> dict:
    with make_session_factory(engine)() as session:
        rounds.close_round(session, round_id, now=NOW, actor_id=None)
        session.commit()
    with make_session_factory(engine)() as session:
        return to_json(score_campaign(session, campaign_id))


def test_a_backup_taken_under_load_is_one_consistent_moment_and_scores_like_it(
    database_url, engine, session, make_campaign, tmp_path, fresh_url
):
    campaign = make_campaign()
    round_ = open_first_round(session, campaign)
    _batch, issued = issuing.issue_batch(session, round_.id, round_.groups[0].id, 3_000, KEYS, **KW)
    session.commit()
    env = server_env(database_url)
    server = LiveServer(env, tmp_path).start()
    stream = BallotStream(server, issued, varied_answers(round_, campaign.targets), campaign.targets[0].id)
    stream.start()
    try:
        wait_for(stream, 30)
        began = time.monotonic()
        copy = tmp_path / ("evalsite.db" if not PG_SERVER else "evalsite.dump")
        flask(env, "backup", str(copy))
        ended = time.monotonic()
        wait_for(stream, 30, after=ended)
    finally:
        stream.stop()
        server.stop()

    if PG_SERVER:
        conninfo, pg_env = libpq(fresh_url)
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={conninfo}", str(copy)], env=pg_env, check=True)  # noqa: S603, S607
    else:
        flask(env | {"EVALSITE_DATABASE_URL": fresh_url}, "restore", str(copy), "--yes")
    restored = make_engine(fresh_url)
    try:
        marks = {stream.mark(i): i for i in stream.attempts}
        in_copy = {marks[text_] for text_ in suggestions(restored)}
        began_before_end = {i for i, a in stream.attempts.items() if a.began < ended}
        assert stream.acknowledged(before=began) <= in_copy <= began_before_end
        assert in_copy < {marks[text_] for text_ in suggestions(engine)}, "the copy is not a moment of the past"
        assert used_codes(restored, KEYS, issued) == in_copy
        per_ballot = len(campaign.targets) * len(round_.questionnaire.items)
        assert ballot_problems(restored, per_ballot) == []
        assert storage_problems(restored) == []

        # The source, cut back to the ballots of the copy, must score exactly as the copy does.
        later = {i for i in stream.attempts if i not in in_copy}
        with engine.begin() as conn:
            ids = conn.scalars(select(Comment.ballot_id).where(Comment.text.in_([stream.mark(i) for i in later])))
            conn.execute(delete(Ballot).where(Ballot.id.in_(list(ids))))
            digests = [code_digest(KEYS, issued[i]) for i in later]
            conn.execute(update(Code).where(Code.digest.in_(digests)).values(status=CodeStatus.UNUSED, used_on=None))
        expected = closed_and_scored(engine, round_.id, campaign.id)
        assert closed_and_scored(restored, round_.id, campaign.id) == expected
        assert expected["targets"] and expected["digest"]
        assert len({t["total"] for t in expected["targets"]}) > 1, "ballots this alike could hide a difference"
    finally:
        restored.dispose()


def test_a_file_that_is_not_a_pg_dump_archive_is_refused(tmp_path):
    fake = tmp_path / "evalsite.dump"
    fake.write_bytes(b"PGDMP" + bytes(200))
    with pytest.raises(BackupError, match="pg_restore failed"):
        check_dump(fake, {"0003"})


def mode(path: Path) -> str:
    return oct(path.stat().st_mode & 0o777)


def test_a_new_sqlite_database_and_its_wal_files_are_readable_by_their_owner_only(tmp_path):
    old_umask = os.umask(0o022)  # the usual umask, under which SQLite itself creates 0644 files
    try:
        url = f"sqlite:///{tmp_path / 'new.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        add_campaign(engine, "新库")
        with engine.connect() as open_connection:  # the -wal and -shm files exist while it is open
            open_connection.scalar(select(Campaign.id).limit(1))
            files = sorted(tmp_path.iterdir())
            assert [p.name for p in files] == ["new.db", "new.db-shm", "new.db-wal"]
            assert {p.name: mode(p) for p in files} == dict.fromkeys(("new.db", "new.db-shm", "new.db-wal"), "0o600")
        engine.dispose()
    finally:
        os.umask(old_umask)


def test_a_restore_to_a_new_place_and_a_backup_are_readable_by_their_owner_only(site, tmp_path):
    runner, _engine, live = site
    old_umask = os.umask(0o022)
    try:
        copy = tmp_path / "copy.db"
        assert runner.invoke(args=["backup", str(copy)]).exit_code == 0
        assert mode(copy) == "0o600"
        elsewhere = tmp_path / "elsewhere" / "evalsite.db"
        with contextlib.closing(sqlite3.connect(copy)) as conn:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        backup.restore_sqlite(copy, elsewhere, {revision})
        assert mode(elsewhere) == "0o600"
    finally:
        os.umask(old_umask)
