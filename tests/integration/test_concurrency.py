"""Live-server tests: the real app under gunicorn, raced by many clients at once.

Every test here starts ``gunicorn wsgi:app`` with two sync workers on the test database, as
production runs it, and talks to it over HTTP, CSRF tokens and cookies included. Each
client speaks from its own loopback address (127.0.x.y), as different phones would, so the
per-client rate limit on failed codes plays no part in a race about one code.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from surveys.models import Ballot, Code, CodeStatus
from surveys.services import issuing
from surveys.services.issuing import CodeKeys
from tests.integration.test_casting import KW, answers_for, open_first_round

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
KEYS = CodeKeys(derive=b"live-server-derive-key", lookup=b"live-server-lookup-key")
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class LiveServer:
    port: int
    log: Path  #: gunicorn's stderr: worker errors and tracebacks land here

    def errors(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def client_address(i: int) -> str:
    """A distinct loopback address for client ``i`` (Linux answers on all of 127.0.0.0/8)."""
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


@pytest.fixture
def live_server(database_url, engine, clean_db, tmp_path):
    """``gunicorn wsgi:app`` on a free port, on the test database; stopped after the test."""
    port = free_port()
    env = os.environ | {
        "EVALSITE_DATABASE_URL": database_url,
        "EVALSITE_SECRET_KEY": "live-server-secret-key",
        "EVALSITE_CODE_KEY": KEYS.derive.decode(),
        "EVALSITE_LOOKUP_KEY": KEYS.lookup.decode(),
        "EVALSITE_RATELIMIT_STORAGE": "memory://",
    }
    log = tmp_path / "gunicorn.err"
    command = [str(GUNICORN), "--no-control-socket", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"]
    with open(log, "wb") as stderr, open(tmp_path / "gunicorn.out", "wb") as stdout:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)  # noqa: S603 - fixed argv
    try:
        server = LiveServer(port, log)
        _wait_until_it_answers(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_it_answers(server: LiveServer, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{server.errors()}")
        try:
            status, _headers, _body = request(server, "GET", "/r")
        except OSError:
            time.sleep(0.1)
            continue
        if status == 200:
            return
    pytest.fail(f"gunicorn did not answer within a minute:\n{server.errors()}")


def request(server: LiveServer, method: str, path: str, *, form=None, cookie="", source="127.0.0.1"):
    """One HTTP exchange on a fresh connection; returns status, headers and body."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120, source_address=(source, 0))
    try:
        headers = {"Cookie": cookie} if cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode(errors="replace")
    finally:
        connection.close()


@dataclass
class Rater:
    """One phone: it opens /r (getting its session cookie and CSRF token), then posts a ballot."""

    server: LiveServer
    source: str
    cookie: str = ""
    token: str = ""

    def open_entry_page(self) -> None:
        status, headers, body = request(self.server, "GET", "/r", source=self.source)
        assert status == 200, body[:300]
        jar = SimpleCookie()
        for header in headers.get_all("Set-Cookie") or []:
            jar.load(header)
        self.cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())
        self.token = _TOKEN.search(body)[1]

    def submit(self, form: dict[str, str]) -> tuple[int, str | None]:
        """Post the ballot; returns the status and the redirect's Location, if any."""
        status, headers, _body = request(
            self.server,
            "POST",
            "/r/submit",
            form=form | {"csrf_token": self.token},
            cookie=self.cookie,
            source=self.source,
        )
        return status, headers.get("Location")


def ballot_form(code: str, answers: dict[int, dict[int, int]]) -> dict[str, str]:
    form = {"code": code}
    for target_id, given in answers.items():
        form.update({f"a-{target_id}-{item_id}": str(level_id) for item_id, level_id in given.items()})
    return form


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
