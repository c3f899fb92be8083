"""Scoring a whole campaign, against the floor of fetching every rating row into numpy.

    .venv/bin/python -m bench.scoring [--scale baoji|province] [--db sqlite|postgres]
                                      [--ballots N] [--aggregation mean|median|trimmed]
                                      [--repeat N] [--linearity]

A fresh database with the Alembic schema (a SQLite file in a temporary folder, or the
PostgreSQL database ``evalsite_bench_scoring``, dropped and created again and dropped at the
end) gets one campaign through the services: targets in three categories, a questionnaire of
10 items on the five-level scale with 不了解, one round with three rater groups, one
component. Ballots, their ratings (each ballot rates one target on all 10 items) and one
used code per ballot are then bulk-loaded with the bare driver (executemany on SQLite, COPY
on PostgreSQL), not through the casting service; the round is closed. Loading is not timed.

- floor: one plain SELECT of every rating row of the round (ballot id, target, group, item
  weight, level points), streamed into numpy arrays, then the same per-(target, group) means
  with numpy: the weighted ballot score by ``np.bincount`` over ballots, its mean by
  ``np.bincount`` over (target, group).
- product: ``surveys.scoring.run.score_campaign`` in a fresh session: configuration,
  aggregate queries, integrity figures, rules, ranks and the digest.

Each measurement runs in its own child process (fresh interpreter, fresh connection), so
peak memory is the product's own: the peak resident set during the run minus the resident
set before it (``VmHWM``, reset just before the run: ``ru_maxrss``, printed too, starts at
the parent's peak, inherited through fork), and, in a separate run (tracemalloc slows
allocation, so that run is not timed), tracemalloc's peak of Python allocations. Floor and
product take turns ``--repeat`` times; the best of each counts.
With ``--linearity`` (always at province scale) the first half of the ballots is loaded and
measured first, then the rest, and the ratio of product times full/half is printed (2 means
linear). Targets: ratio product/floor <= 1.0, Baoji scale under a second, peak memory under
1 GiB at province scale.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import text

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DATABASE = "evalsite_bench_scoring"
SCALES = {"baoji": (189, 10_000), "province": (1_000, 1_000_000)}
ITEMS = 10
GROUPS = (("服务对象", 0.5), ("企业代表", 0.3), ("特邀监督员", 0.2))
CATEGORIES = ("综合管理", "执法监管", "窗口服务")
NOW = datetime(2026, 3, 1, 9, 0, 0)
CAST_FROM = date(2026, 3, 2)
DAYS = 30
CHUNK = 20_000  #: ballots per loading batch (200,000 rating rows)
FETCH = 100_000  #: rows per fetch in the floor

FLOOR_SQL = (
    "SELECT r.ballot_id, r.target_id, b.group_id, i.weight, l.points"
    " FROM ratings r JOIN ballots b ON b.id = r.ballot_id"
    " JOIN items i ON i.id = r.item_id JOIN levels l ON l.id = r.level_id"
    " WHERE b.round_id = :round_id"
)


# --- the database ---------------------------------------------------------------------------


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
    from evalsite.cli import upgrade_database
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


def measure_floor(url: str, round_id: int) -> dict:
    """Fetch every rating row into numpy and compute the per-(target, group) mean ballot scores."""
    import numpy as np

    from surveys.db import make_engine

    engine = make_engine(url)
    rss0 = _rss_mib()
    started, cpu = time.perf_counter(), time.process_time()
    ballot_index: dict[str, int] = {}
    index = ballot_index.setdefault
    parts: list[tuple] = []
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=FETCH).execute(
            text(FLOOR_SQL), {"round_id": round_id}
        )
        for rows in result.partitions(FETCH):
            ballot, target, group, weight, points = zip(*rows, strict=True)
            n = len(ballot)
            parts.append(
                (
                    np.fromiter((index(b, len(ballot_index)) for b in ballot), np.int64, n),
                    np.fromiter(target, np.int64, n),
                    np.fromiter(group, np.int64, n),
                    np.fromiter(weight, np.float64, n),
                    np.array(points, dtype=np.float64),  # None (不了解) becomes nan
                )
            )
    ballot, target, group, weight, points = (np.concatenate(column) for column in zip(*parts, strict=True))
    fetched = time.perf_counter() - started
    valid = ~np.isnan(points)
    nb = len(ballot_index)
    num = np.bincount(ballot[valid], (weight * points)[valid], minlength=nb)
    den = np.bincount(ballot[valid], weight[valid], minlength=nb)
    ballot_target = np.zeros(nb, np.int64)
    ballot_group = np.zeros(nb, np.int64)
    ballot_target[ballot] = target
    ballot_group[ballot] = group
    scored = den > 0
    key = ballot_target[scored] * (int(group.max()) + 1) + ballot_group[scored]
    n_per = np.bincount(key)
    sums = np.bincount(key, num[scored] / den[scored])
    present = n_per > 0
    means = sums[present] / n_per[present]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "fetch_seconds": fetched,
        "rows": int(len(ballot)),
        "ballots": nb,
        "groups": int(present.sum()),
        "mean_of_means": float(means.mean()),
        "rss_delta_mib": _peak_mib() - rss0,
        "maxrss_mib": _maxrss_mib(),
    }


def measure_product(url: str, campaign_id: int, *, trace: bool) -> dict:
    """One ``score_campaign`` in a fresh session; with ``trace``, tracemalloc's peak (not timed)."""
    from surveys.db import make_engine, make_session_factory
    from surveys.scoring.run import score_campaign

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    maxrss0 = _maxrss_mib()
    rss0 = _rss_mib()
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    with sessions() as session:
        result = score_campaign(session, campaign_id)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    out = {"seconds": elapsed, "cpu": cpu, "rss_delta_mib": _peak_mib() - rss0, "rss_mib": rss0}
    out["maxrss_mib"], out["maxrss0_mib"] = _maxrss_mib(), maxrss0
    if trace:
        out["traced_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    out["targets"] = len(result.targets)
    out["digest"] = result.digest
    engine.dispose()
    return out


def _rss_mib() -> float:
    """Resident set size now, in MiB; and the peak is reset to it (Linux ``clear_refs``).

    ``ru_maxrss`` itself cannot serve: a child started by fork and exec inherits its
    parent's peak, so a run that stays below the parent's size shows no growth at all.
    ``VmHWM`` is the same high-water mark, kept per address space and resettable.
    """
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return _status_mib("VmRSS")


def _peak_mib() -> float:
    """Peak resident set size since the last ``_rss_mib``, in MiB."""
    return _status_mib("VmHWM")


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"{field} not in /proc/self/status")


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def _child(kind: str, fixture: Fixture) -> dict:
    args = [sys.executable, "-m", "bench.scoring", "--measure", kind, "--url", fixture.url]
    args += ["--round", str(fixture.round_id), "--campaign", str(fixture.campaign_id)]
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        args, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class Figures:
    ballots: int
    floor: dict
    product: dict
    traced: dict


def measure(fixture: Fixture, ballots: int, repeat: int) -> Figures:
    floors, products = [], []
    for _ in range(repeat):  # taking turns: other load on the machine hits both alike
        floors.append(_child("floor", fixture))
        products.append(_child("product", fixture))
    traced = _child("product-traced", fixture)
    best = min(floors, key=lambda f: f["seconds"]), min(products, key=lambda p: p["seconds"])
    return Figures(ballots, *best, traced)


def report(label: str, f: Figures) -> None:
    fl, pr, tr = f.floor, f.product, f.traced
    print(f"--- {label}: {f.ballots:,} ballots, {fl['rows']:,} rating rows, {pr['targets']} targets")
    print(
        f"floor (SELECT+numpy) {fl['seconds']:8.3f} s  (cpu {fl['cpu']:7.3f} s, fetch {fl['fetch_seconds']:.3f} s)"
        f"  {fl['groups']} (target, group) means"
    )
    print(f"product (score)      {pr['seconds']:8.3f} s  (cpu {pr['cpu']:7.3f} s)  digest {pr['digest'][:12]}")
    print(
        f"ratio product/floor  {pr['seconds'] / fl['seconds']:8.2f}    (cpu {pr['cpu'] / fl['cpu']:6.2f})"
        "    target <= 1.00"
    )
    print(
        f"product peak memory  tracemalloc {tr['traced_peak_mib']:.1f} MiB, RSS peak +{pr['rss_delta_mib']:.1f} MiB"
        f" over {pr['rss_mib']:.0f} MiB before the run    target < 1024 MiB"
    )
    print(
        f"                     ru_maxrss {pr['maxrss0_mib']:.0f} -> {pr['maxrss_mib']:.0f} MiB"
        " (starts at the parent's peak, inherited through fork)"
    )
    print(f"floor peak memory    RSS peak +{fl['rss_delta_mib']:.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="baoji")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--ballots", type=int, help="override the scale's ballot count")
    parser.add_argument("--aggregation", choices=("mean", "median", "trimmed"), default="mean")
    parser.add_argument("--repeat", type=int, help="turns of floor and product (default 3 Baoji, 1 province)")
    parser.add_argument(
        "--linearity", action="store_true", help="also measure at half the ballots (always at province)"
    )
    parser.add_argument("--measure", choices=("floor", "product", "product-traced"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--round", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--campaign", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:  # a child: one measurement, JSON on stdout
        if args.measure == "floor":
            out = measure_floor(args.url, args.round)
        else:
            out = measure_product(args.url, args.campaign, trace=args.measure == "product-traced")
        print(json.dumps(out))
        return

    targets, ballots = SCALES[args.scale]
    ballots = args.ballots or ballots
    repeat = args.repeat or (3 if args.scale == "baoji" else 1)
    linearity = args.linearity or args.scale == "province"
    folder = tempfile.mkdtemp(prefix="bench-scoring-")
    url = f"sqlite:///{folder}/bench.sqlite" if args.db == "sqlite" else create_postgres_database()
    try:
        print(
            f"scale {args.scale}: {targets} targets, {ballots:,} ballots x {ITEMS} items, {len(GROUPS)} groups,"
            f" aggregation {args.aggregation}, db {args.db}, load average {os.getloadavg()[0]:.1f}"
        )
        started = time.perf_counter()
        fixture = prepare(url, targets, args.aggregation)
        half = ballots // 2 if linearity else 0
        results = []
        if half:
            load_ballots(fixture, half, seed=1)
            close_round(fixture)
            print(f"(loaded {half:,} ballots in {time.perf_counter() - started:.0f} s, not measured)", flush=True)
            results.append(("half", measure(fixture, half, repeat)))
            report(*results[-1])
            started = time.perf_counter()
        load_ballots(fixture, ballots - half, seed=2)
        close_round(fixture)
        print(f"(loaded {ballots - half:,} ballots in {time.perf_counter() - started:.0f} s, not measured)", flush=True)
        results.append(("full", measure(fixture, ballots, repeat)))
        report(*results[-1])
        if half:
            (_, h), (_, f) = results
            print(
                f"linearity full/half  product {f.product['seconds'] / h.product['seconds']:.2f}"
                f" (cpu {f.product['cpu'] / h.product['cpu']:.2f}),"
                f" floor {f.floor['seconds'] / h.floor['seconds']:.2f}    2.00 = linear"
            )
        print(f"load average {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if args.db == "postgres":
            drop_postgres_database()


if __name__ == "__main__":
    main()
