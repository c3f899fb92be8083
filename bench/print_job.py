"""Starting a 10,000-slip print from the batch page, against the floor of viewing that page.

    .venv/bin/python -m bench.print_job [--count 10000]

A fresh SQLite database and job queue in a temporary folder (the embedded mode), one batch of
``count`` codes, a real huey consumer in this process (as ``flask jobs-worker`` runs it), and
an organiser signed in through the test client. The floor is a GET of the batch's page; the
product is the POST that queues its print and answers with the job's page. Both are timed on
the same app and database, so the ratio holds on any machine: the request that starts a long
print must cost about what a page view costs, however long the print. The job's own time to
done is printed too.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from evalsite import create_app
from evalsite.keys import code_keys
from evalsite.schema import upgrade_database
from surveys.db import make_engine, make_session_factory
from surveys.models import Role
from surveys.services import campaigns, issuing, organisation, questionnaires, rounds, users

PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway account in a temporary database  # nosec B105


def build(db, count: int) -> int:
    """One campaign, round and rater group, a batch of ``count`` codes and an organiser; the batch id."""
    kw = {"now": datetime.now(UTC).replace(tzinfo=None), "actor_id": None}
    campaign = campaigns.save_campaign(db, "2026年度万名群众评议百名科长", 2026, "", **kw)
    unit = organisation.save_unit(db, "市政务服务中心", None, **kw)
    target = {"code": "A01", "name": "张三", "kind": "person", "category": "综合管理", "unit_id": unit.id}
    organisation.save_target(db, campaign.id, target, **kw)
    q = questionnaires.create_questionnaire(db, campaign.id, "科长测评表", "five", with_unknown=True, **kw)
    questionnaires.save_item(db, q.id, "Q1", "服务态度", 1.0, **kw)
    fields = {"name": "外部评议", "kind": "external", "questionnaire_id": q.id}
    round_ = rounds.save_round(
        db, campaign.id, fields | {"opens_on": date(2026, 3, 1), "closes_on": date(2026, 3, 31)}, **kw
    )
    group = rounds.save_group(db, round_.id, {"name": "服务对象", "weight": 1.0, "min_ballots": 5}, **kw)
    users.create_user(db, "bench-organiser", PASSWORD, Role.ORGANISER, **kw)
    batch, _codes = issuing.issue_batch(db, round_.id, group.id, count, code_keys(), **kw)
    db.commit()
    return batch.id


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="slips in the batch (default 10000)")
    count = parser.parse_args().count
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade_database(url)
        config = {
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(32),
            "WTF_CSRF_ENABLED": False,
            "JOBS_URL": f"sqlite:///{Path(folder) / 'queue.db'}",
            "JOBS_FOLDER": str(Path(folder) / "jobs"),
        }
        app = create_app(config)
        engine = make_engine(url)
        with app.app_context(), make_session_factory(engine)() as db:
            batch_id = build(db, count)
        client = app.test_client()
        client.post("/login", data={"username": "bench-organiser", "password": PASSWORD})
        client.get(f"/admin/batches/{batch_id}")  # warm the templates once, for both
        floor_s, page = timed(lambda: client.get(f"/admin/batches/{batch_id}"))
        if page.status_code != 200:
            raise SystemExit(f"the batch page answered {page.status_code}")
        consumer = app.extensions["evalsite.huey"].create_consumer(workers=1, worker_type="thread", periodic=False)
        consumer.start()
        try:
            product_s, started = timed(lambda: client.post(f"/admin/batches/{batch_id}/slips"))
            if started.status_code != 302:
                raise SystemExit(f"starting the print answered {started.status_code}")
            status_url = started.headers["Location"] + "/status"
            state = client.get(status_url).get_json()["state"]
            job_s, last = timed(lambda: wait(client, status_url))
        finally:
            consumer.stop(graceful=True)
        engine.dispose()
        app.extensions["evalsite.engine"].dispose()
    print(f"slips                     {count}")
    print(f"floor: GET batch page     {floor_s * 1000:.0f} ms")
    print(f"product: POST print       {product_s * 1000:.0f} ms  (job {state} when the answer came)")
    print(f"ratio                     {product_s / floor_s:.2f}")
    print(f"job to done               {job_s:.1f} s  ({last['state']}, {count / job_s:.0f} slips/s)")


def wait(client, status_url: str) -> dict:
    while (status := client.get(status_url).get_json())["state"] not in ("done", "failed"):
        time.sleep(0.5)
    return status


if __name__ == "__main__":
    main()
