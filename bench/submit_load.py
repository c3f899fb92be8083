"""The load of ``bench.submit``: simulated phones, the phases they run in, and what is counted.

Every client is a thread with the standard library's ``http.client`` and a new connection
per request (sync gunicorn workers close it after each response).
"""

from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.gunicorn import HOST, Gunicorn

TIMEOUT = 30.0  # per HTTP request; bounds how long a stuck run can last
_CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')


@dataclass
class Rater:
    """One client thread's browser: the session cookie and CSRF token an entry page gave it."""

    cookie: str = ""
    token: str = ""


def open_entry(port: int, rater: Rater) -> str:
    """``GET /r``: the entry page sets the session cookie and carries the CSRF token."""
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        conn.request("GET", "/r")
        response = conn.getresponse()
        page = response.read()
        cookie = (response.getheader("Set-Cookie") or "").split(";", 1)[0]
        token = _CSRF.search(page)
        if response.status != 200 or not cookie or not token:
            return f"GET /r {response.status}"
    finally:
        conn.close()
    rater.cookie, rater.token = cookie, token.group(1).decode()
    return "ok"


def submit_ballot(port: int, code: str, answers: dict[str, str], rater: Rater) -> str:
    """The submit path: ``POST /r/submit`` with a fresh code and a full ballot.

    The rater's session comes from one ``GET /r`` on its first call; every POST sends that
    cookie and token again, which the server verifies exactly as a fresh session's (the
    response's Set-Cookie that empties the session is ignored, as a second phone would).
    """
    if not rater.cookie and (opened := open_entry(port, rater)) != "ok":
        return opened
    body = urlencode({"csrf_token": rater.token, "code": code, **answers})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": rater.cookie}
    return post(port, "/r/submit", body, headers, "/r/thanks")


def visit(port: int, code: str, answers: dict[str, str], _rater: Rater) -> str:
    """What one phone does after the QR: ``GET /r``, ``POST /r`` (the form), ``POST /r/submit``."""
    rater = Rater()
    if (opened := open_entry(port, rater)) != "ok":
        return opened
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        body = urlencode({"csrf_token": rater.token, "code": code})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": rater.cookie}
        conn.request("POST", "/r", body, headers)
        response = conn.getresponse()
        page = response.read()
        if response.status != 200 or b'id="rate-form"' not in page:
            return f"POST /r {response.status}"
    finally:
        conn.close()
    return submit_ballot(port, code, answers, rater)


def floor_submission(port: int, code: str, _answers: dict[str, str], _rater: Rater) -> str:
    body = urlencode({"code": code})
    return post(port, "/redeem", body, {"Content-Type": "application/x-www-form-urlencoded"}, "/thanks")


def bare_ballot(port: int, code: str, answers: dict[str, str], _rater: Rater) -> str:
    """The floor app's ``POST /ballot``: the same answers as the real submit, no web layer."""
    body = urlencode({"code": code, **answers})
    return post(port, "/ballot", body, {"Content-Type": "application/x-www-form-urlencoded"}, "/thanks")


def post(port: int, path: str, body: str, headers: dict[str, str], thanks: str) -> str:
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        response.read()
        if response.status == 302 and (response.getheader("Location") or "").endswith(thanks):
            return "ok"
        return f"POST {path} {response.status}"
    finally:
        conn.close()


@dataclass
class Phase:
    """One app under load: its server, its submit function and codes, and what was counted."""

    name: str
    submit: Callable[[int, str, dict[str, str], Rater], str]
    codes: Iterator[str]
    server: Gunicorn
    seconds: float = 0.0
    outcomes: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    client_cpu: float = 0.0  #: CPU seconds the load generator used while measuring
    server_cpu: float = 0.0  #: CPU seconds the app's gunicorn workers used while measuring
    ran_out: bool = False

    @property
    def ok(self) -> int:
        return self.outcomes["ok"]

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_submission(self) -> float:
        """Worker CPU seconds per successful submission (the database server's are not included)."""
        return self.server_cpu / self.ok if self.ok else float("nan")


def run_load(phase: Phase, answers: dict[str, str], clients: int, lead_in: float, seconds: float, *, count: bool):
    """``clients`` threads submit back to back for ``lead_in`` + ``seconds``; with ``count``,
    the submissions that end inside the last ``seconds`` are added to ``phase``, with the CPU
    time its gunicorn workers and this load generator used meanwhile."""
    lock = threading.Lock()
    window_start = time.monotonic() + lead_in
    window_end = window_start + seconds

    def next_code() -> str | None:
        with lock:
            code = next(phase.codes, None)
        if code is None:
            phase.ran_out = True
        return code

    def client() -> None:
        rater = Rater()
        while time.monotonic() < window_end and (code := next_code()) is not None:
            begun = time.monotonic()
            try:
                outcome = phase.submit(phase.server.port, code, answers, rater)
            except OSError as error:
                outcome = type(error).__name__
            finished = time.monotonic()
            if count and window_start <= finished <= window_end:
                with lock:
                    phase.outcomes[outcome] += 1
                    if outcome == "ok":
                        phase.latencies.append(finished - begun)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, window_start - time.monotonic()))
    cpu_start, server_cpu_start = time.process_time(), phase.server.cpu_seconds()
    time.sleep(max(0.0, window_end - time.monotonic()))
    if count:
        phase.client_cpu += time.process_time() - cpu_start
        phase.server_cpu += phase.server.cpu_seconds() - server_cpu_start
        phase.seconds += seconds
    for thread in threads:
        thread.join(timeout=TIMEOUT + 5)


def report(phase: Phase) -> None:
    lat = sorted(phase.latencies) or [0.0]
    p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
    print(
        f"{phase.name:<6} {phase.rate:8.1f} submissions/s   {phase.ok:6d} ok in {phase.seconds:.0f} s   "
        f"worker CPU {phase.cpu_per_submission * 1000:6.2f} ms/submission   "
        f"latency p50 {statistics.median(lat) * 1000:5.0f} ms  p95 {p95 * 1000:5.0f} ms   "
        f"load generator {phase.client_cpu / max(phase.seconds, 1e-9):4.0%} of a core"
    )
    failed = {k: v for k, v in phase.outcomes.items() if k != "ok"}
    if failed:
        print(f"       not counted: {failed}")
    if phase.ran_out:
        print("       ran out of codes: this rate is a lower bound, raise --codes")
