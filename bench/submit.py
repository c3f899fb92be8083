"""Submissions per second through the real submit path, against a floor measured in the same run.

    .venv/bin/python -m bench.submit [--db sqlite|postgres] [--seconds 10] [--clients 16]

Both apps run under gunicorn with the same settings (2 sync workers, ``--no-control-socket``)
on 127.0.0.1, against the same kind of database, prepared fresh with the Alembic schema, one
campaign with an open round and enough codes (``issue_batch``) for both apps.

- floor: ``bench/floor_app.py``, a minimal Flask app that only redeems a code (conditional
  UPDATE on its digest) and inserts one row, with the bare driver.
- submit (the target's figure): ``POST /r/submit`` with a fresh code and every item of every
  target answered plus one suggestion; success is the 302 to ``/r/thanks``. Through the whole
  app: CSRF, session cookie, rate limiter, the form checks, the ballot, ratings and comment
  rows. Each client opens its session with one ``GET /r`` (cookie and CSRF token), then
  submits ballot after ballot with them; the server checks them on every POST as it would a
  fresh phone's.
- visit (for comparison, same floor): what a phone does after the QR, all of it per ballot:
  ``GET /r``, ``POST /r`` with the code (the rating form), ``POST /r/submit``.
- ballot (for comparison): the floor app's ``POST /ballot``, the floor plus the rest of the
  same ballot (12 ratings, 1 suggestion) with no web layer. ballot/floor is what the ballot's
  data costs; submit/ballot what the web layer around it costs (cookie, CSRF, rate limit,
  form checks, ORM session, headers).

Both servers are started and warmed up first; then the apps take turns in slices of about
two seconds until each has been measured ``--seconds``, so a change in whatever else the
machine is doing hits all alike. Only successful submissions count, and only those that
begin and end inside a measured slice. Target: submit/floor >= 0.5. The load generator runs
on the same machine: its CPU share and the machine's load average are printed with the rates.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import text

from bench.gunicorn import WORKERS, Gunicorn
from bench.submit_load import Phase, bare_ballot, floor_submission, report, run_load, submit_ballot, visit

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DATABASE = "evalsite_bench"
#: Codes issued per app and measured second of a phase: more than the fastest pair of phases of
#: one app here could use (floor and ballot share the floor's; it says so if they run out).
CODES_PER_SECOND = 3_500
WARMUP_SECONDS = 2.0  #: per app, after it answers its first request; not counted
SLICE_SECONDS = 2.0  #: the apps take turns in measured slices of about this length
LEAD_IN_SECONDS = 0.3  #: at the start of each slice, not counted (clients ramp up)
NOW = datetime(2026, 3, 1, 9, 0, 0)


# --- the database ---------------------------------------------------------------------------


@dataclass
class Fixture:
    """What both phases need from the prepared database."""

    url: str  #: SQLAlchemy URL (the real app)
    floor_database: str  #: SQLite path or libpq conninfo (the floor's bare driver)
    code_key: str
    lookup_key: str
    round_id: int
    floor_group_id: int
    answers: dict[str, str]  #: the form fields of a full ballot (a-<target>-<item>, c-<target>)
    real_codes: list[str] = field(default_factory=list)  #: grouped, as a QR fragment carries them
    floor_codes: list[str] = field(default_factory=list)  #: canonical


def create_postgres_database(name: str = PG_DATABASE) -> str:
    from surveys.db import make_engine

    admin = make_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{PG_SERVER}/{name}"


def drop_postgres_database(name: str = PG_DATABASE) -> None:
    from surveys.db import make_engine

    admin = make_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare(url: str, floor_database: str, codes_per_phase: int) -> Fixture:
    """Alembic schema, a campaign like a unit's 科长 evaluation with its round open, and two batches."""
    from evalsite.schema import upgrade_database
    from surveys import codes
    from surveys.db import make_engine, make_session_factory
    from surveys.services import campaigns, issuing, organisation, questionnaires, rounds

    upgrade_database(url)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    kw = {"now": NOW, "actor_id": None}
    code_key, lookup_key = secrets.token_hex(32), secrets.token_hex(32)
    keys = issuing.CodeKeys(derive=code_key.encode(), lookup=lookup_key.encode())
    try:
        campaign = campaigns.save_campaign(session, "基准测试评议", 2026, "", **kw)
        unit = organisation.save_unit(session, "市行政审批服务局", None, **kw)
        for code, name in [("A01", "张三"), ("A02", "李四"), ("A03", "王五")]:
            fields = {"code": code, "name": name, "kind": "person", "category": "综合管理", "unit_id": unit.id}
            organisation.save_target(session, campaign.id, fields, **kw)
        q = questionnaires.create_questionnaire(session, campaign.id, "科长测评表", "five", with_unknown=True, **kw)
        for i, item in enumerate(["服务态度", "办事效率", "廉洁自律", "工作作风"], start=1):
            questionnaires.save_item(session, q.id, f"Q{i}", item, 1.0, **kw)
        round_ = rounds.save_round(
            session,
            campaign.id,
            {
                "name": "外部评议",
                "kind": "external",
                "questionnaire_id": q.id,
                "opens_on": date(2026, 3, 1),
                "closes_on": date(2026, 3, 31),
            },
            **kw,
        )
        real_group = rounds.save_group(session, round_.id, {"name": "服务对象", "weight": 0.6, "min_ballots": 5}, **kw)
        floor_group = rounds.save_group(session, round_.id, {"name": "基准下限", "weight": 0.4, "min_ballots": 5}, **kw)
        campaigns.save_component(
            session, campaign.id, {"name": "群众评议", "kind": "round", "round_id": round_.id, "weight": 1.0}, **kw
        )
        rounds.open_round(session, round_.id, **kw)
        real, floor = [], []
        # The real app's submit and visit phases share its codes, the floor and the bare ballot the floor's.
        for group, out in ((real_group, real), (floor_group, floor)):
            left = codes_per_phase
            while left:
                n = min(left, issuing.MAX_BATCH)
                _batch, issued = issuing.issue_batch(session, round_.id, group.id, n, keys, **kw)
                out.extend(issued)
                left -= n
        levels = [lv.id for lv in q.levels if not lv.is_excluded]
        answers = {}
        for t, target in enumerate(sorted(campaign.targets, key=lambda t: t.code)):
            for i, item in enumerate(q.items):
                answers[f"a-{target.id}-{item.id}"] = str(levels[(t + i) % len(levels)])
            if t == 0:
                answers[f"c-{target.id}"] = "窗口办事很耐心，希望延长午间服务时间。"
        fixture = Fixture(
            url=url,
            floor_database=floor_database,
            code_key=code_key,
            lookup_key=lookup_key,
            round_id=round_.id,
            floor_group_id=floor_group.id,
            answers=answers,
            real_codes=[codes.display(c) for c in real],
            floor_codes=floor,
        )
        session.commit()
    finally:
        session.close()
        engine.dispose()
    return fixture


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per app (default 10)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--codes", type=int, default=0, help=f"codes per app (default {CODES_PER_SECOND} a second)")
    args = parser.parse_args()
    if not 1 <= args.seconds <= 300 or not 1 <= args.clients <= 256:
        parser.error("--seconds must be in 1..300 and --clients in 1..256")
    slices = max(1, round(args.seconds / SLICE_SECONDS))
    busy = WARMUP_SECONDS + slices * LEAD_IN_SECONDS + args.seconds
    codes_per_phase = args.codes or int(CODES_PER_SECOND * busy)

    folder = Path(tempfile.mkdtemp(prefix="evalsite-bench-"))
    servers: list[Gunicorn] = []
    try:
        if args.db == "sqlite":
            path = folder / "bench.db"
            url, floor_database = f"sqlite:///{path}", str(path)
        else:
            url = create_postgres_database()
            floor_database = f"postgresql://postgres@127.0.0.1:5432/{PG_DATABASE}"
        prepared = time.monotonic()
        fixture = prepare(url, floor_database, codes_per_phase)
        print(
            f"database {args.db}: schema, open round, 2 × {codes_per_phase} codes in "
            f"{time.monotonic() - prepared:.1f} s; {WORKERS} sync gunicorn workers per app, "
            f"{args.clients} clients, {os.cpu_count()} CPUs"
        )
        print(f"real ballot: {sum(k.startswith('a-') for k in fixture.answers)} ratings and 1 suggestion")

        floor_env = {
            "BENCH_FLOOR_DATABASE": fixture.floor_database,
            "BENCH_FLOOR_LOOKUP_KEY": fixture.lookup_key,
            "BENCH_FLOOR_ROUND_ID": str(fixture.round_id),
            "BENCH_FLOOR_GROUP_ID": str(fixture.floor_group_id),
        }
        real_env = {
            "EVALSITE_ENV": "development",
            "EVALSITE_DATABASE_URL": fixture.url,
            "EVALSITE_SECRET_KEY": secrets.token_hex(32),
            "EVALSITE_CODE_KEY": fixture.code_key,
            "EVALSITE_LOOKUP_KEY": fixture.lookup_key,
        }
        servers.append(Gunicorn("bench.floor_app:app", floor_env, folder / "floor.log"))
        servers.append(Gunicorn("wsgi:app", real_env, folder / "real.log"))
        floor_codes = iter(fixture.floor_codes)  # no two phases run at the same time
        floor = Phase("floor", floor_submission, floor_codes, servers[0])
        bare = Phase("ballot", bare_ballot, floor_codes, servers[0])
        real_codes = iter(fixture.real_codes)
        real = Phase("submit", submit_ballot, real_codes, servers[1])
        whole = Phase("visit", visit, real_codes, servers[1])
        phases = (floor, real, whole, bare)

        load_before = os.getloadavg()[0]
        for phase in phases:  # both apps fully booted and warm before anything counts
            run_load(phase, fixture.answers, args.clients, 0.0, WARMUP_SECONDS, count=False)
        # Alternate short slices, so a change in the machine's other load hits both alike.
        for _ in range(slices):
            for phase in phases:
                run_load(phase, fixture.answers, args.clients, LEAD_IN_SECONDS, args.seconds / slices, count=True)
        print(f"load average of the machine (1 min) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f}")
        for phase in phases:
            report(phase)
            if not phase.ok:
                print(f"gunicorn log:\n{phase.server.log_tail()}")
        for phase, base, note in (
            (real, floor, "   (target >= 0.50)"),
            (whole, floor, ""),
            (bare, floor, "   (the ballot's data alone, no web layer)"),
            (real, bare, "   (the web layer's share)"),
        ):
            ratio = phase.rate / base.rate if base.rate else float("nan")
            cpu_ratio = base.cpu_per_submission / phase.cpu_per_submission
            label = f"{phase.name}/{base.name}"
            print(f"ratio {label:<13} {ratio:6.2f}   by worker CPU per submission {cpu_ratio:.2f}{note}")
    finally:
        for server in servers:
            server.stop()
        if args.db == "postgres":
            drop_postgres_database()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
