"""Background jobs end to end: a real huey consumer prints, exports and scores while the
page polls; failures in words, retries that write once, and who may see a job's file."""

from __future__ import annotations

import os
import stat
import uuid

import pytest
from sqlalchemy import select

from evalsite.keys import code_keys
from surveys.models import Job, Role, ScoringRun, User
from surveys.services import issuing, rounds
from tests.builders import build_campaign
from tests.conftest import NOW
from tests.jobs_support import job_of, run_queued, running_worker, status, wait_for
from tests.web.support import fresh, page_text

KW = {"now": NOW, "actor_id": None}


def big_batch(app, session, make_campaign, size: int):
    round_ = make_campaign().rounds[0]
    with app.app_context():
        keys = code_keys()
    batch, _codes = issuing.issue_batch(session, round_.id, round_.groups[0].id, size, keys, **KW)
    session.commit()
    return batch


def files_in(app) -> list[str]:
    folder = app.config["JOBS_FOLDER"]
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


@pytest.mark.slow
def test_a_10000_slip_pdf_prints_through_the_queue_while_the_page_watches_0_to_100(
    app, client, session, sign_in, make_campaign
):
    batch = big_batch(app, session, make_campaign, 10_000)
    sign_in(client)
    with running_worker(app):
        response = client.post(f"/admin/batches/{batch.id}/slips")
        job_id = job_of(response)
        first = status(client, job_id)  # the request has answered; the job has only just begun
        assert first["state"] in ("queued", "running") and first["percent"] < 10
        page = page_text(client.get(f"/jobs/{job_id}"))
        assert "打印第" in page and "10000 张" in page
        seen = [first]
        done = wait_for(client, job_id, seen=seen, every=0.5)

    assert done["state"] == "done" and done["percent"] == 100 and done["text"] == "已完成"
    percents = [s["percent"] for s in seen]
    assert percents == sorted(percents) and percents[0] < 10 and percents[-1] == 100
    assert len({p for p in percents if 0 < p < 100}) >= 5  # the bar moved on the way
    assert any(s["eta_seconds"] for s in seen if s["state"] == "running")
    with client.get(done["file_url"]) as pdf:
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert pdf.data.startswith(b"%PDF") and pdf.data.count(b"/Type /Page\n") == 1250
    path = os.path.join(app.config["JOBS_FOLDER"], f"{job_id}.pdf")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(app.config["JOBS_FOLDER"]).st_mode) == 0o700


def test_a_print_whose_batch_was_voided_meanwhile_fails_in_words_in_either_language(
    app, client, session, sign_in, make_campaign
):
    batch = big_batch(app, session, make_campaign, 300)
    sign_in(client)
    job_id = job_of(client.post(f"/admin/batches/{batch.id}/slips"))
    issuing.void_batch(session, batch.id, **KW)  # before any worker took the job
    session.commit()
    with running_worker(app):
        failed = wait_for(client, job_id)

    assert failed["state"] == "failed" and "file_url" not in failed
    assert failed["text"] == "未能完成：该批评议码已作废"
    page = client.get(f"/jobs/{job_id}")
    assert "未能完成：该批评议码已作废" in page_text(page) and "重试" in page_text(page)
    assert client.get(f"/jobs/{job_id}/file").status_code == 404
    client.post("/language", data={"lang": "en", "next": f"/jobs/{job_id}"})
    assert status(client, job_id)["text"] == "Not completed: This access code batch has been voided"
    assert files_in(app) == []  # nothing half-written left behind


def test_a_job_delivered_twice_stores_one_scoring_run_and_a_retried_failure_writes_once(app, client, session, sign_in):
    ids = build_campaign(session, close=False)
    sign_in(client)
    job_id = job_of(client.post(f"/admin/campaigns/{ids['campaign']}/scoring/run"))
    assert run_queued(app) == 1
    assert status(client, job_id)["text"] == "未能完成：轮次“外部评议”仍在进行中，结束后才能计分"
    rounds.close_round(session, ids["round"], **KW)
    session.commit()

    assert client.post(f"/jobs/{job_id}/retry").status_code == 302
    app.extensions["evalsite.jobs"](job_id)  # the same job delivered once more, as a queue may
    assert run_queued(app) == 2

    done = status(client, job_id)
    assert done["state"] == "done"
    runs = list(fresh(session).scalars(select(ScoringRun)))
    assert len(runs) == 1 and done["result_url"].endswith(f"run={runs[0].id}")
    job = session.get(Job, job_id)
    assert (job.attempts, job.result_id) == (2, runs[0].id)  # the failure, then the retry; not the repeat
    assert client.post(f"/jobs/{job_id}/retry").status_code == 409  # a done job is not run again


def test_a_file_job_run_twice_leaves_one_file(app, client, session, sign_in, make_campaign):
    batch = big_batch(app, session, make_campaign, 300)
    sign_in(client)
    job_id = job_of(client.post(f"/admin/batches/{batch.id}/slips"))
    app.extensions["evalsite.jobs"](job_id)
    assert run_queued(app) == 2
    assert status(client, job_id)["state"] == "done"
    assert files_in(app) == [f"{job_id}.pdf"]


def test_a_job_s_file_is_offered_only_to_its_owner_while_their_role_allows_it(
    app, client, session, sign_in, make_campaign
):
    batch = big_batch(app, session, make_campaign, 300)
    owner = sign_in(client)
    job_id = job_of(client.post(f"/admin/batches/{batch.id}/slips"))
    run_queued(app)
    with client.get(f"/jobs/{job_id}/file") as mine:
        assert mine.status_code == 200 and mine.data.startswith(b"%PDF")
    paths = [f"/jobs/{job_id}", f"/jobs/{job_id}/status", f"/jobs/{job_id}/file"]

    for role in (Role.ORGANISER, Role.ADMIN, Role.LEADER, Role.UNIT_OFFICER):
        other = app.test_client()
        sign_in(other, role, username=f"other-{role.value}")
        for path in paths:
            assert other.get(path).status_code == 404, (role, path)
    anonymous = app.test_client()
    assert all(anonymous.get(path).status_code == 302 for path in paths)

    fresh(session).get(User, owner.id).role = Role.LEADER  # a leader may not print slips
    session.commit()
    assert client.get(f"/jobs/{job_id}/file").status_code == 404


def test_a_redis_queue_runs_scoring_and_an_export_in_a_real_worker(make_app, session, sign_in, tmp_path):
    """RedisHuey, as production runs it; with EVALSITE_TEST_POSTGRES set, on PostgreSQL too."""
    queue = f"evalsite-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    app = make_app(**{"JOBS_URL": "redis://127.0.0.1:6379/13", "JOBS_QUEUE": queue})
    huey = app.extensions["evalsite.huey"]
    assert type(huey).__name__ == "RedisHuey"
    ids = build_campaign(session)
    client = app.test_client()
    sign_in(client)
    try:
        with running_worker(app):
            scored = wait_for(client, job_of(client.post(f"/admin/campaigns/{ids['campaign']}/scoring/run")))
            assert scored["state"] == "done", scored["text"]
            exported = wait_for(client, job_of(client.post(f"/reports/campaigns/{ids['campaign']}/ballots.csv")))
        assert exported["state"] == "done", exported["text"]
        with client.get(exported["file_url"]) as csv_file:
            lines = csv_file.data.decode("utf-8-sig").splitlines()
        assert lines[0] == "ballot_id,round,rater_group,target_code,item_code,level,points" and len(lines) > 1
    finally:
        huey.flush()
