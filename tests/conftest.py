"""Shared fixtures: a real database (SQLite by default, PostgreSQL when asked), the app,
its client, and factories that build campaigns through the services."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pytest
import redis
from alembic import command
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import Integer, select, text

from evalsite import create_app, limits, throttle
from evalsite.schema import alembic_config
from surveys import passwords
from surveys.db import Base, make_engine, make_session_factory
from surveys.models import Role, Unit
from surveys.services import campaigns, organisation, questionnaires, rounds, users

#: Set to a PostgreSQL server URL (without database name) to run the suite on PostgreSQL,
#: e.g. postgresql+psycopg://postgres@127.0.0.1:5432
PG_SERVER = os.environ.get("EVALSITE_TEST_POSTGRES")
#: The Redis database the shared rate-limit tests count in (shared by every run on the machine).
REDIS_URI = "redis://127.0.0.1:6379/15"
NOW = datetime(2026, 3, 1, 9, 0, 0)
TRANSLATIONS = Path(__file__).resolve().parents[1] / "evalsite" / "translations"
PASSWORD = "secret-pass-123"
#: One PBKDF2 round: a hash or check costs microseconds instead of scrypt's ~90 ms (production refuses it).
TEST_HASH_METHOD = "pbkdf2:sha256:1"


def compile_translations(folder: Path) -> list[Path]:
    """Compile each ``messages.po`` under ``folder`` whose ``.mo`` is missing or older, as
    ``make translations`` does (fuzzy entries included, like its ``-f``); returns what it wrote.

    A fresh clone has no ``.mo`` (they are built, not kept): without this its first plain
    ``pytest`` would fail every test of an English page.
    """
    written = []
    for po in sorted(folder.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parts[-3])
        partial = mo.with_name(f".{mo.name}.{os.getpid()}")
        with partial.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=True)
        partial.replace(mo)  # another run reading the catalog never sees half a file
        written.append(mo)
    return written


def pytest_sessionstart(session) -> None:
    try:
        compile_translations(TRANSLATIONS)
    except OSError as error:
        pytest.exit(f"The translations cannot be compiled ({error}): run `make translations` first.", returncode=4)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects anything
def pytest_collection_modifyitems(items) -> None:
    """Every test under tests/browser is a browser test, and slow: it drives a real Chromium.
    A slapd test is slow too: it talks to an OpenLDAP server its module starts."""
    browser_tests = Path(__file__).with_name("browser")
    for item in items:
        if browser_tests in item.path.parents or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
        elif item.get_closest_marker("slapd"):
            item.add_marker(pytest.mark.slow)


@contextmanager
def scratch_database(label: str, sqlite_path) -> Iterator[str]:
    """A URL for an empty database of the kind under test: the SQLite file ``sqlite_path``, or
    the PostgreSQL database ``evalsite_<label>_<pid>``, created now and dropped afterwards."""
    if not PG_SERVER:
        yield f"sqlite:///{sqlite_path}"
        return
    name = f"evalsite_{label}_{os.getpid()}"
    admin = make_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with admin.connect() as conn:
        conn.execute(drop)
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(drop)
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    with scratch_database("test", tmp_path_factory.mktemp("db") / "test.db") as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    # create_all builds the newest schema: say so, as `flask init-db` would (the health check reads it).
    command.stamp(alembic_config(database_url), "head")
    yield engine
    engine.dispose()


@pytest.fixture
def clean_db(engine):
    """Every test starts with empty tables."""
    yield
    empty_tables(engine)


def empty_tables(engine) -> None:
    with engine.begin() as conn:
        conn.execute(Unit.__table__.update().values(parent_id=None))  # SQLite checks RESTRICT row by row
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def table_rows(engine) -> dict[str, list[dict]]:
    """Every row of every table, to be put back into empty tables by `put_back_rows`.

    A module whose tests each need the same costly world builds it once, takes its rows, and
    puts them back before each test: the same rows, ids and audit chain, for a few
    milliseconds instead of the services' tens or hundreds.
    """
    with engine.connect() as conn:
        return {
            table.name: [dict(row._mapping) for row in conn.execute(select(table).order_by(*table.primary_key))]
            for table in Base.metadata.sorted_tables
        }


def put_back_rows(engine, rows: dict[str, list[dict]]) -> None:
    """Insert ``rows`` (from `table_rows`) into the empty tables; on PostgreSQL, move each id
    sequence to the highest id put back, so the next insert gets the id it would have had."""
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
        if conn.dialect.name != "postgresql":
            return
        for table in Base.metadata.sorted_tables:
            (key, *more) = table.primary_key.columns
            if more or not rows[table.name] or not isinstance(key.type, Integer) or key.autoincrement is False:
                continue
            highest = max(row[key.name] for row in rows[table.name])
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence(:table, :column), :highest)"),
                {"table": table.name, "column": key.name, "highest": highest},
            )


@pytest.fixture
def session(engine, clean_db):
    session = make_session_factory(engine)()
    yield session
    session.rollback()
    session.close()


def app_config(database_url: str, **changes) -> dict:
    """The configuration of the test apps: the session's database, CSRF off, cheap password hashes."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
    } | changes


@pytest.fixture(autouse=True)
def cheap_password_hashes():
    """Every test hashes new passwords cheaply, even after one built an app with the default."""
    passwords.use_hash_method(TEST_HASH_METHOD)


def jobs_config(folder) -> dict:
    """A job queue and jobs folder of the app's own (SQLite queue: the embedded default), in a
    folder apart from ``tmp_path``, which tests list to prove they left nothing behind."""
    return {"JOBS_URL": f"sqlite:///{folder / 'queue.db'}", "JOBS_FOLDER": str(folder / "jobs")}


@pytest.fixture(scope="session")
def shared_app(database_url, engine, tmp_path_factory):
    """One app of the test configuration for the whole session (building one costs ~40 ms)."""
    app = create_app(app_config(database_url, **jobs_config(tmp_path_factory.mktemp("jobs"))))
    yield app
    app.extensions["evalsite.engine"].dispose()


@pytest.fixture
def app(shared_app, clean_db, tmp_path_factory):
    """The app of the test configuration, as if new: empty tables, its configuration as built,
    no rate-limit or login-failure counts, no cached runs, no queued jobs and no job files from
    earlier tests. Tests that need another configuration, or add routes, build their own with
    ``make_app``."""
    configured = dict(shared_app.config)
    forget_earlier_tests(shared_app)
    shared_app.extensions["evalsite.huey"].flush()
    shared_app.config["JOBS_FOLDER"] = str(tmp_path_factory.mktemp("jobs"))
    yield shared_app
    shared_app.config.clear()
    shared_app.config.update(configured)


def forget_earlier_tests(app) -> None:
    """Drop what an app keeps in memory between requests, as a new app would start."""
    limits.init_app(app)  # the limiter is one object for the process: point it back at this app, counts empty
    throttle.init_app(app)
    app.extensions.pop("evalsite.shown_runs", None)
    app.test_client_class = None  # a test may have chosen Flask-Login's client


@pytest.fixture
def make_app(database_url, engine, clean_db, tmp_path_factory):
    """Build apps like the `app` fixture, with ``changes`` to its configuration."""
    built = []

    def make(**changes):
        jobs = jobs_config(tmp_path_factory.mktemp("jobs"))
        built.append(create_app(app_config(database_url, **jobs | changes)))
        return built[-1]

    yield make
    for app in built:
        app.extensions["evalsite.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(session):
    """Create a user of a role (committed, so the app sees it)."""

    def make(role: Role = Role.ORGANISER, username: str | None = None, unit_id: int | None = None):
        if role is Role.UNIT_OFFICER and unit_id is None:
            unit_id = organisation.save_unit(session, "演示单位", None, now=NOW, actor_id=None).id
        user = users.create_user(session, username or role.value, PASSWORD, role, now=NOW, unit_id=unit_id)
        session.commit()
        return user

    return make


@pytest.fixture
def login(client, make_user):
    """Log the test client in as a new user of ``role``; returns that user."""

    def do(role: Role = Role.ORGANISER):
        user = make_user(role)
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


@pytest.fixture
def make_campaign(session):
    """A campaign ready to open (see `campaign_ready_to_open`), built in the test's session."""

    def make(name: str = "2026年度评议", year: int = 2026):
        return campaign_ready_to_open(session, name, year)

    return make


def campaign_ready_to_open(session, name: str = "2026年度评议", year: int = 2026):
    """A campaign ready to open: 3 targets in 2 categories, a 5-level questionnaire with
    不了解 and 2 items, one draft round with two rater groups, and one component. Commits."""
    kw = {"now": NOW, "actor_id": None}
    campaign = campaigns.save_campaign(session, name, year, "", **kw)
    unit = organisation.save_unit(session, f"{name}-单位", None, **kw)
    for code, person, category in [
        ("A01", "张三", "综合管理"),
        ("A02", "李四", "综合管理"),
        ("B01", "王五", "行政执法"),
    ]:
        organisation.save_target(
            session,
            campaign.id,
            {"code": code, "name": person, "kind": "person", "category": category, "unit_id": unit.id},
            **kw,
        )
    q = questionnaires.create_questionnaire(session, campaign.id, "科长测评表", "five", with_unknown=True, **kw)
    questionnaires.save_item(session, q.id, "Q1", "服务态度", 1.0, **kw)
    questionnaires.save_item(session, q.id, "Q2", "办事效率", 2.0, **kw)
    round_ = rounds.save_round(
        session,
        campaign.id,
        {
            "name": "外部评议",
            "kind": "external",
            "questionnaire_id": q.id,
            "opens_on": date(year, 3, 1),
            "closes_on": date(year, 3, 31),
        },
        **kw,
    )
    rounds.save_group(session, round_.id, {"name": "服务对象", "weight": 0.6, "min_ballots": 5}, **kw)
    rounds.save_group(session, round_.id, {"name": "机关干部", "weight": 0.4, "min_ballots": 5}, **kw)
    campaigns.save_component(
        session, campaign.id, {"name": "群众评议", "kind": "round", "round_id": round_.id, "weight": 1.0}, **kw
    )
    session.commit()
    return campaign


@pytest.fixture
def redis_store():
    """The Redis database the shared counters live in; it must be up (no silent fallback)."""
    store = redis.Redis.from_url(REDIS_URI)
    assert store.ping()
    yield store
    store.close()


@pytest.fixture
def redis_client_address(redis_store):
    """A client address of this test run alone, so that runs sharing the Redis database
    (other checkouts, parallel CI jobs) never add to each other's counts; its counters are
    deleted afterwards, and nobody else's."""
    address = str(ipaddress.IPv4Address("10.0.0.0") + secrets.randbelow(2**24))
    yield address
    mine = [key for key in redis_store.scan_iter("LIMITS*") if f"/{address}/".encode() in key]
    if mine:
        redis_store.delete(*mine)
