"""The production gunicorn configuration (deploy/gunicorn.conf.py): workers by database, and
access logs that never hold a code, however a person mistypes the address."""

from __future__ import annotations

import multiprocessing
import re
import runpy

import pytest

from evalsite.access_log import redact_path
from surveys import codes
from surveys.services import issuing
from tests.builders import KW, answers_for, open_first_round
from tests.live import KEYS, ROOT, LiveServer, Rater, ballot_form, request, server_env
from tests.web.support import spellings

CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////srv/evalsite/evalsite.db", multiprocessing.cpu_count()),
        ("postgresql+psycopg://evalsite@db/evalsite", 2 * multiprocessing.cpu_count() + 1),
    ],
    ids=["sqlite", "postgresql"],
)
def test_workers_are_one_per_core_on_sqlite_and_two_per_core_plus_one_on_postgresql(monkeypatch, url, expected):
    monkeypatch.setenv("EVALSITE_DATABASE_URL", url)
    monkeypatch.delenv("EVALSITE_WORKERS", raising=False)
    settings = runpy.run_path(str(CONFIG))
    assert settings["workers"] == expected
    assert settings["logger_class"] == "evalsite.access_log.CodeFreeLogger"
    monkeypatch.setenv("EVALSITE_WORKERS", "3")
    assert runpy.run_path(str(CONFIG))["workers"] == 3


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/r?code=K7QM-3XPD-9TRA-5", "/r"),
        ("/r/K7QM-3XPD-9TRA-5", "/r/[redacted]"),
        ("/r/k7qm3xpd9tra5/", "/r/[redacted]/"),
        ("/r/K7QM 3XPD 9TRA 5", "/r/[redacted]"),
        ("/static/plotly.min.js?v=20261122", "/static/plotly.min.js"),
        ("/admin/rounds/12/batches/3", "/admin/rounds/12/batches/3"),
    ],
)
def test_paths_are_logged_without_query_strings_or_code_like_segments(path, logged):
    assert redact_path(path) == logged


@pytest.mark.slow  # a gunicorn server
def test_no_code_reaches_any_log_line_of_the_production_server(database_url, engine, session, make_campaign, tmp_path):
    campaign = make_campaign()
    round_ = open_first_round(session, campaign)
    _batch, issued = issuing.issue_batch(session, round_.id, round_.groups[0].id, 3, KEYS, **KW)
    session.commit()
    cast, typed, mistyped = issued
    server = LiveServer(server_env(database_url), tmp_path, args=("-c", str(CONFIG), "-w", "2")).start()
    try:
        rater = Rater(server, "127.0.0.1")
        rater.open_entry_page()
        assert rater.submit(ballot_form(cast, answers_for(round_, campaign.targets))) == (302, "/r/thanks")
        grouped = codes.display(typed)
        for path in (f"/r?code={grouped}", f"/r/{grouped}", f"/r/{typed.lower()}", f"/r?{mistyped}"):
            status, _headers, _body = request(server, "GET", path, headers={"Referer": f"http://x/r?c={typed}"})
            assert status in (200, 404)
        status, _headers, _body = request(server, "POST", "/r", form={"code": mistyped[:-1] + "0"})
        assert status in (400, 403)
    finally:
        server.stop()

    logs = server.out.read_text(errors="replace") + server.errors()
    assert '"POST /r/submit HTTP/1.1" 302' in logs  # the access log was written
    assert "/r/[redacted]" in logs
    for code in issued:
        for spelling in spellings(code) | {code[:-1] + "0"}:
            assert spelling not in logs


def test_public_casting_lines_name_no_client_and_only_the_day_while_staff_lines_keep_both(
    database_url, engine, session, make_campaign, tmp_path
):
    campaign = make_campaign()
    round_ = open_first_round(session, campaign)
    _batch, (code,) = issuing.issue_batch(session, round_.id, round_.groups[0].id, 1, KEYS, **KW)
    session.commit()
    server = LiveServer(server_env(database_url), tmp_path, args=("-c", str(CONFIG), "-w", "1")).start()
    try:
        rater = Rater(server, "127.0.0.1")
        rater.open_entry_page()
        assert rater.submit(ballot_form(code, answers_for(round_, campaign.targets))) == (302, "/r/thanks")
        assert request(server, "GET", "/login")[0] == 200
    finally:
        server.stop()

    lines = (server.out.read_text(errors="replace") + server.errors()).splitlines()
    casting = [line for line in lines if re.search(r'"(GET|POST) /r(/\S*)? HTTP', line)]
    staff = [line for line in lines if '"GET /login HTTP' in line]
    assert any('"POST /r/submit HTTP/1.1" 302' in line for line in casting) and staff
    for line in casting:
        assert "127.0.0.1" not in line, line
        assert not re.search(r"\d\d:\d\d:\d\d", line), line  # the day, not the second
        assert re.match(r"- \[\d\d/\w{3}/\d{4}\] ", line), line
    assert all(line.startswith("127.0.0.1 ") and re.search(r"\d\d:\d\d:\d\d", line) for line in staff)
