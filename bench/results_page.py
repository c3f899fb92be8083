"""Results page benchmark: the ranking page of a 1,000-target campaign against a plain table.

```
.venv/bin/python -m bench.results_page [--targets 1000] [--ballots 50000] [--repeat 20]
```

A SQLite file in a temporary folder gets the Alembic schema and the scoring benchmark's
campaign (``bench.scoring_data``: targets in three categories, ten items, three rater
groups), ballots bulk-loaded, the round closed, and one stored scoring run. None of that is
timed. Then, in one process and taking turns, ``--repeat`` times each:

- **Floor:** Jinja renders a plain HTML table (rank, code, name, category, unit, total,
  grade) of the same rows, already in memory: no request, no database, no suppression.
- **Product:** a leader's ``GET /results/campaigns/<id>`` through the Flask test client:
  login session, role check, the campaign and its rounds, the stored run's JSON, ``shown``
  (suppression), filtering and sorting, the target ids for links, the full template. The
  shown run is kept in memory per process (``evalsite.views.results.cache``: stored runs
  never change), so it is measured twice: as usually served (**product**), and with that
  cache emptied before each request (**uncached**: the run's JSON read, decoded and
  suppressed again).

The best and the median of each are printed, wall and CPU. Target: the product's median
under 0.5 s of wall time on this machine; the ratio to the floor says where the time goes.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from jinja2 import Environment

from bench.scoring_data import NOW, Fixture, close_round, load_ballots, prepare

FLOOR_TEMPLATE = """<!doctype html><html><body><table>
<thead><tr><th>名次</th><th>编号</th><th>名称</th><th>类别</th><th>单位</th><th>总分</th><th>等次</th></tr></thead>
<tbody>{% for t in rows %}<tr><td>{{ t.rank or "—" }}</td><td>{{ t.code }}</td><td>{{ t.name }}</td>
<td>{{ t.category }}</td><td>{{ t.unit }}</td><td>{{ '%.2f'|format(t.total) if t.total is not none else "—" }}</td>
<td>{{ t.grade or "—" }}</td></tr>{% endfor %}</tbody></table></body></html>"""


def build(url: str, targets: int, ballots: int) -> Fixture:
    """The campaign, its ballots, the round closed and one stored run (untimed)."""
    from surveys.db import make_engine, make_session_factory
    from surveys.services.scoring_runs import save_run, score_campaign

    fixture = prepare(url, targets, "mean")
    load_ballots(fixture, ballots, seed=7)
    close_round(fixture)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        result = score_campaign(session, fixture.campaign_id)
        session.rollback()
        save_run(session, result, now=NOW, actor_id=None)
        session.commit()
    engine.dispose()
    return fixture


def leader_client(app):
    """A test client signed in as a leader (Flask-Login's test client: no password hashing)."""
    from flask_login import FlaskLoginClient

    from evalsite.auth import LoginUser
    from evalsite.database import get_session
    from surveys.models import Role, User

    with app.app_context():
        db = get_session()
        # "!" matches no password: the client signs in through Flask-Login, not /login.
        user = User(username="bench-leader", password_hash="!", role=Role.LEADER, created_at=NOW)  # noqa: S106  # nosec B106  # a placeholder hash no password matches
        db.add(user)
        db.commit()
        login = LoginUser(user)
    app.test_client_class = FlaskLoginClient
    return app.test_client(user=login)


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--ballots", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from evalsite import create_app
    from surveys.scoring.display import shown

    folder = Path(tempfile.mkdtemp(prefix="evalsite-bench-results-"))
    try:
        url = f"sqlite:///{folder / 'bench.db'}"
        fixture = build(url, args.targets, args.ballots)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})  # nosec B105  # a throwaway benchmark app
        client = leader_client(app)
        page = f"/results/campaigns/{fixture.campaign_id}"
        with app.app_context():
            from evalsite.database import get_session
            from surveys.services.scoring_runs import latest_run

            rows = shown(latest_run(get_session(), fixture.campaign_id).result)["targets"]
        floor_template = Environment(autoescape=True).from_string(FLOOR_TEMPLATE)

        def product():
            response = client.get(page)
            if response.status_code != 200 or response.get_data().count(b"<tr") <= args.targets:
                raise RuntimeError(f"the ranking page did not render every row ({response.status_code})")

        def product_uncached():
            app.extensions["evalsite.shown_runs"].clear()
            product()

        def floor():
            if floor_template.render(rows=rows).count("<tr") <= args.targets:
                raise RuntimeError("the floor table did not render every row")

        product()  # warm up: imports, template compilation, the first connection
        floor()
        times = {"floor": [], "product": [], "uncached": []}
        for _ in range(args.repeat):
            times["floor"].append(timed(floor))
            times["product"].append(timed(product))
            times["uncached"].append(timed(product_uncached))
        report(args, times)
        app.extensions["evalsite.engine"].dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def report(args, times: dict[str, list[tuple[float, float]]]) -> None:
    print(f"ranking page, {args.targets} targets, {args.ballots} ballots, {args.repeat} turns (SQLite)")
    medians = {}
    for name, pairs in times.items():
        walls, cpus = [w for w, _c in pairs], [c for _w, c in pairs]
        medians[name] = (statistics.median(walls), statistics.median(cpus))
        print(
            f"  {name:8} median {medians[name][0] * 1000:7.1f} ms (cpu {medians[name][1] * 1000:7.1f} ms)"
            f"   best {min(walls) * 1000:7.1f} ms (cpu {min(cpus) * 1000:7.1f} ms)"
        )
    ratio = medians["product"][0] / medians["floor"][0]
    ratio_cpu = medians["product"][1] / medians["floor"][1]
    print(f"  ratio product/floor (median): {ratio:.1f} (cpu {ratio_cpu:.1f})")
    for name in ("product", "uncached"):
        verdict = "met" if medians[name][0] < 0.5 else "NOT met"
        print(f"  target, {name} median under 500 ms wall: {verdict}")


if __name__ == "__main__":
    main()
