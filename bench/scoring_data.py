"""Data for the scoring benchmark: a fresh database, one campaign, ballots loaded in bulk.

Ballots, their ratings and one used code per ballot are loaded with the bare driver
(executemany on SQLite, COPY on PostgreSQL), not through the casting service; loading is
not timed.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import text

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
#: One database per run, so two runs at once (several engineers share a server) never drop each other's.
PG_DATABASE = f"evalsite_bench_scoring_{os.getpid()}"
SCALES = {"baoji": (189, 10_000), "province": (1_000, 1_000_000)}
ITEMS = 10
GROUPS = (("服务对象", 0.5), ("企业代表", 0.3), ("特邀监督员", 0.2))
CATEGORIES = ("综合管理", "执法监管", "窗口服务")
NOW = datetime(2026, 3, 1, 9, 0, 0)
CAST_FROM = date(2026, 3, 2)
DAYS = 30
CHUNK = 20_000  #: ballots per loading batch (200,000 rating rows)


def _admin():
    from surveys.db import make_engine

    return make_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")


def create_postgres_database() -> str:
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()
    return f"{PG_SERVER}/{PG_DATABASE}"


def drop_postgres_database() -> None:
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Fixture:
    url: str
    campaign_id: int
    round_id: int
    targets: list[int]
    groups: list[int]
    batches: list[int]  #: one code batch per group, same order
    items: list[int]
    levels: list[int]  #: the five rated levels, worst first
    unknown_level: int  #: 不了解


def prepare(url: str, targets: int, aggregation: str) -> Fixture:
    """Alembic schema and the campaign's configuration through the services; round left open."""
    from evalsite.schema import upgrade_database
    from surveys.db import make_engine, make_session_factory
    from surveys.models import BatchScope, CodeBatch
    from surveys.services import campaigns, organisation, questionnaires, rounds

    upgrade_database(url)
    engine = make_engine(url)
    kw = {"now": NOW, "actor_id": None}
    with make_session_factory(engine)() as session:
        campaign = campaigns.save_campaign(session, "2026年度全省作风建设评议（基准）", 2026, "", **kw)
        unit = organisation.save_unit(session, "省直机关", None, **kw)
        for i in range(targets):
            fields = {
                "code": f"T{i:04d}",
                "name": f"对象{i:04d}",
                "kind": "person",
                "category": CATEGORIES[i % len(CATEGORIES)],
                "unit_id": unit.id,
            }
            organisation.save_target(session, campaign.id, fields, **kw)
        q = questionnaires.create_questionnaire(session, campaign.id, "测评表", "five", with_unknown=True, **kw)
        items = [
            questionnaires.save_item(session, q.id, f"Q{i}", f"测评项{i}", 1.0 + i % 3, **kw) for i in range(ITEMS)
        ]
        round_ = rounds.save_round(
            session,
            campaign.id,
            {
                "name": "群众评议",
                "kind": "external",
                "questionnaire_id": q.id,
                "opens_on": CAST_FROM,
                "closes_on": CAST_FROM + timedelta(days=DAYS),
                "aggregation": aggregation,
                "trim_k": 1,
            },
            **kw,
        )
        groups = [
            rounds.save_group(session, round_.id, {"name": name, "weight": weight, "min_ballots": 5}, **kw)
            for name, weight in GROUPS
        ]
        campaigns.save_component(
            session, campaign.id, {"name": "群众评议", "kind": "round", "round_id": round_.id, "weight": 1.0}, **kw
        )
        rounds.open_round(session, round_.id, **kw)
        session.commit()
        rated = sorted((lv for lv in q.levels if not lv.is_excluded), key=lambda lv: lv.points)
        unknown = [lv.id for lv in q.levels if lv.is_excluded]
        fixture = Fixture(
            url=url,
            campaign_id=campaign.id,
            round_id=round_.id,
            targets=sorted(t.id for t in campaign.targets),
            groups=[g.id for g in groups],
            batches=[],
            items=[it.id for it in items],
            levels=[lv.id for lv in rated],
            unknown_level=unknown[0],
        )
    with make_session_factory(engine)() as session:  # one batch of codes per group, filled by load_ballots
        batches = [
            CodeBatch(
                round_id=fixture.round_id,
                group_id=group_id,
                scope=BatchScope.ROUND,
                batch_key=uuid.uuid4().hex,
                size=0,
                label=f"批次{group_id}",
                created_at=NOW,
            )
            for group_id in fixture.groups
        ]
        session.add_all(batches)
        session.commit()
        fixture.batches = [b.id for b in batches]
    engine.dispose()
    return fixture


def load_ballots(fixture: Fixture, count: int, seed: int) -> None:
    """Bulk-load ``count`` ballots (each rating one target on every item) and their used codes."""
    import numpy as np

    from surveys.db import make_engine

    rng = np.random.default_rng(seed)
    quality = np.random.default_rng(7).normal(0.0, 0.8, len(fixture.targets))  # same targets, same quality
    engine = make_engine(fixture.url)
    is_postgres = engine.dialect.name == "postgresql"
    levels = np.array(fixture.levels + [fixture.unknown_level])
    with engine.begin() as conn:
        driver = conn.connection.driver_connection
        if is_postgres:  # generated rows are consistent: skip the per-row foreign-key triggers
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for start in range(0, count, CHUNK):
            n = min(CHUNK, count - start)
            ids = sorted(str(uuid.uuid4()) for _ in range(n))  # key order: B-tree appends, not splits
            target_ix = rng.integers(0, len(fixture.targets), n)
            group_ix = rng.choice(len(fixture.groups), n, p=[0.6, 0.25, 0.15])
            days = rng.integers(0, DAYS, n)
            latent = 2.6 + quality[target_ix][:, None] + rng.normal(0.0, 1.0, (n, ITEMS))
            level_ix = np.clip(np.rint(latent), 0, 4).astype(np.int64)
            level_ix[rng.random((n, ITEMS)) < 0.03] = 5  # 不了解
            level_ids = levels[level_ix].tolist()
            target_ids = np.array(fixture.targets)[target_ix].tolist()
            group_ids = np.array(fixture.groups)[group_ix].tolist()
            batch_ids = np.array(fixture.batches)[group_ix].tolist()
            cast_on = [CAST_FROM + timedelta(days=int(d)) for d in days]
            ballots = [(ids[k], fixture.round_id, group_ids[k], cast_on[k], False) for k in range(n)]
            ratings = [
                (ids[k], target_ids[k], item, level_ids[k][j]) for k in range(n) for j, item in enumerate(fixture.items)
            ]
            digests = sorted(uuid.uuid4().hex + uuid.uuid4().hex for _ in range(n))
            codes = [(digests[k], batch_ids[k], fixture.round_id, group_ids[k], "used", cast_on[k]) for k in range(n)]
            if is_postgres:
                with driver.cursor() as cur:
                    _copy(cur, "ballots (id, round_id, group_id, cast_on, is_low_trust)", ballots)
                    _copy(cur, "ratings (ballot_id, target_id, item_id, level_id)", ratings)
                    _copy(cur, "codes (digest, batch_id, round_id, group_id, status, used_on)", codes)
            else:
                cur = driver.cursor()
                cur.executemany(
                    "INSERT INTO ballots (id, round_id, group_id, cast_on, is_low_trust) VALUES (?, ?, ?, ?, ?)",
                    ballots,
                )
                cur.executemany(
                    "INSERT INTO ratings (ballot_id, target_id, item_id, level_id) VALUES (?, ?, ?, ?)", ratings
                )
                cur.executemany(
                    "INSERT INTO codes (digest, batch_id, round_id, group_id, status, used_on)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    codes,
                )
                cur.close()
        sizes = {}
        for batch_id in fixture.batches:
            sizes[batch_id] = conn.execute(
                text("SELECT count(*) FROM codes WHERE batch_id = :b"), {"b": batch_id}
            ).scalar_one()
            conn.execute(text("UPDATE code_batches SET size = :n WHERE id = :b"), {"n": sizes[batch_id], "b": batch_id})
    if is_postgres:  # what autovacuum would have done by the time a round closes
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _copy(cur, table: str, rows: list[tuple]) -> None:
    with cur.copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def close_round(fixture: Fixture) -> None:
    from surveys.db import make_engine, make_session_factory
    from surveys.models import Round, RoundStatus
    from surveys.services import rounds

    engine = make_engine(fixture.url)
    with make_session_factory(engine)() as session:
        if session.get(Round, fixture.round_id).status != RoundStatus.CLOSED:
            rounds.close_round(session, fixture.round_id, now=NOW + timedelta(days=DAYS), actor_id=None)
            session.commit()
    engine.dispose()


# --- the measurements (each in a child process) ---------------------------------------------
