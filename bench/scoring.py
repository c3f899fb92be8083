"""Scoring a whole campaign, against the floor of fetching every rating row into numpy.

    .venv/bin/python -m bench.scoring [--scale baoji|province] [--db sqlite|postgres]
                                      [--ballots N] [--aggregation mean|median|trimmed]
                                      [--repeat N] [--linearity]

A fresh database with the Alembic schema (a SQLite file in a temporary folder, or the
PostgreSQL database ``evalsite_bench_scoring_<pid>``, created and dropped at the end) gets
one campaign through the services: targets in three categories, a questionnaire of 10 items
on the five-level scale with 不了解, one round with three rater groups, one component.
Ballots, their ratings (each ballot rates one target on all 10 items) and one used code per
ballot are then bulk-loaded with the bare driver (executemany on SQLite, COPY on
PostgreSQL), not through the casting service; the round is closed. Loading is not timed.

- floor: one plain SELECT of every rating row of the round (ballot id, target, group, item
  weight, level points), streamed into numpy arrays, then the same per-(target, group) means
  with numpy: the weighted ballot score by ``np.bincount`` over ballots, its mean by
  ``np.bincount`` over (target, group).
- product: ``surveys.services.scoring_runs.score_campaign`` in a fresh session: configuration,
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
import subprocess  # nosec B404  # runs our own interpreter with fixed arguments
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass

from sqlalchemy import text

from bench.scoring_data import (
    GROUPS,
    ITEMS,
    SCALES,
    Fixture,
    close_round,
    create_postgres_database,
    drop_postgres_database,
    load_ballots,
    prepare,
)

FETCH = 100_000  #: rows per fetch in the floor

FLOOR_SQL = (
    "SELECT r.ballot_id, r.target_id, b.group_id, i.weight, l.points"
    " FROM ratings r JOIN ballots b ON b.id = r.ballot_id"
    " JOIN items i ON i.id = r.item_id JOIN levels l ON l.id = r.level_id"
    " WHERE b.round_id = :round_id"
)


# --- the database ---------------------------------------------------------------------------


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
    from sqlalchemy.orm import configure_mappers

    from surveys.db import make_engine, make_session_factory
    from surveys.services.scoring_runs import score_campaign

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    configure_mappers()  # once per process, at start-up in the app (like the floor's imports, not timed)
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
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments  # nosec B603
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
