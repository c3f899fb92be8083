"""Live-server tests: the real app under gunicorn, raced by many clients at once.

Every test here starts ``gunicorn wsgi:app`` with two sync workers on the test database, as
production runs it, and talks to it over HTTP, CSRF tokens and cookies included. Each
client speaks from its own loopback address (127.0.x.y), as different phones would, so the
per-client rate limit on failed codes plays no part in a race about one code.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from surveys.models import Ballot, Code, CodeStatus
from surveys.services import issuing
from tests.builders import KW, answers_for, open_first_round
from tests.live import KEYS, LiveServer, Rater, ballot_form, client_address, server_env

#: Starts real processes: left out of the inner loop (`pytest -m "not slow"`), always run by CI.
pytestmark = pytest.mark.slow


@pytest.fixture
def live_server(database_url, engine, clean_db, tmp_path):
    """``gunicorn wsgi:app`` (2 sync workers) on a free port, on the test database; stopped after the test."""
    server = LiveServer(server_env(database_url), tmp_path).start()
    yield server
    server.stop()


def count(engine, stmt) -> int:
    with engine.connect() as conn:
        return conn.scalar(stmt)


BALLOTS = select(func.count()).select_from(Ballot)
USED_CODES = select(func.count()).select_from(Code).where(Code.status == CodeStatus.USED)


def test_two_hundred_simultaneous_submissions_of_one_code_make_exactly_one_ballot(
    live_server, engine, session, make_campaign
):
    campaign = make_campaign()
    round_ = open_first_round(session, campaign)
    target = campaign.targets[0]
    _batch, (code,) = issuing.issue_batch(session, round_.id, round_.groups[0].id, 1, KEYS, target_id=target.id, **KW)
    session.commit()
    form = ballot_form(code, answers_for(round_, [target]))
    raters = [Rater(live_server, client_address(i)) for i in range(200)]
    start = threading.Barrier(len(raters), timeout=120)
    results: list[tuple[int, str | None]] = []
    failures: list[BaseException] = []

    def race(rater: Rater) -> None:
        try:
            rater.open_entry_page()
            start.wait()  # everybody has a token and a cookie: now all submit at once
            results.append(rater.submit(form))
        except BaseException as error:  # reported below, after the join
            start.abort()
            failures.append(error)

    threads = [threading.Thread(target=race, args=(rater,)) for rater in raters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    statuses = sorted(status for status, _location in results)
    assert [status for status in statuses if status >= 500] == [], live_server.errors()
    assert [location for status, location in results if status == 302] == ["/r/thanks"]
    assert statuses == [302] + [403] * 199
    assert count(engine, BALLOTS) == 1
    assert count(engine, USED_CODES) == 1
    assert "database is locked" not in live_server.errors()


def test_five_hundred_codes_from_fifty_parallel_clients_make_five_hundred_ballots(
    live_server, engine, session, make_campaign
):
    campaign = make_campaign()
    round_ = open_first_round(session, campaign)
    _batch, issued = issuing.issue_batch(session, round_.id, round_.groups[0].id, 500, KEYS, **KW)
    session.commit()
    answers = answers_for(round_, campaign.targets)

    def vote(i: int) -> tuple[int, str | None]:
        rater = Rater(live_server, client_address(i))
        rater.open_entry_page()
        return rater.submit(ballot_form(issued[i], answers))

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(vote, range(len(issued))))

    errors = live_server.errors()
    assert [status for status, _location in results if status >= 500] == [], errors
    assert results == [(302, "/r/thanks")] * 500
    assert count(engine, BALLOTS) == 500
    assert count(engine, USED_CODES) == 500
    assert "database is locked" not in errors
    assert "Traceback" not in errors, errors
