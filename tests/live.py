"""Real servers for tests: ``gunicorn wsgi:app`` on the test database, and clients that talk
to it over HTTP as phones do (cookies, CSRF tokens, one loopback address each).

Each server runs in a process group of its own, so a test can stop it gracefully or kill
master and workers at once with SIGKILL, and start it again on the same port.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from surveys.services.issuing import CodeKeys

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
KEYS = CodeKeys(derive=b"live-server-derive-key", lookup=b"live-server-lookup-key")
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def client_address(i: int) -> str:
    """A distinct loopback address for client ``i`` (Linux answers on all of 127.0.0.0/8)."""
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


def server_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a live server: the test database, the test keys, ``settings`` on top."""
    return os.environ | {
        "EVALSITE_DATABASE_URL": database_url,
        "EVALSITE_SECRET_KEY": "live-server-secret-key",
        "EVALSITE_CODE_KEY": KEYS.derive.decode(),
        "EVALSITE_LOOKUP_KEY": KEYS.lookup.decode(),
        "EVALSITE_RATELIMIT_STORAGE": "memory://",
        **settings,
    }


class LiveServer:
    """``gunicorn wsgi:app`` with ``args`` (default: 2 sync workers) on a fixed port."""

    def __init__(self, env: dict[str, str], folder: Path, args: tuple[str, ...] = ("-w", "2")) -> None:
        self.port = free_port()
        self.env, self.args = env, args
        self.log = folder / "gunicorn.err"  #: stderr: worker errors and tracebacks land here
        self.out = folder / "gunicorn.out"
        self.process: subprocess.Popen | None = None

    def start(self, limit: float = 60.0) -> LiveServer:
        command = [str(GUNICORN), "--no-control-socket", *self.args, "-b", f"127.0.0.1:{self.port}", "wsgi:app"]
        with open(self.log, "ab") as stderr, open(self.out, "ab") as stdout:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv
                command, cwd=ROOT, env=self.env, stdout=stdout, stderr=stderr, start_new_session=True
            )
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.errors()}")
            try:
                if request(self, "GET", "/healthz", timeout=limit)[0] == 200:
                    return self
            except (OSError, http.client.HTTPException):
                # Not listening yet. A connect to a free port in the ephemeral range can even meet
                # itself (TCP self-connect) and read back its own request as a bad status line.
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {limit:.0f} s:\n{self.errors()}")

    def kill(self) -> None:
        """SIGKILL master and workers at once, as a power cut or the OOM killer would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # graceful: the master stops its workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def errors(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def request(server, method: str, path: str, *, form=None, cookie="", source="127.0.0.1", headers=None, timeout=120):
    """One HTTP exchange on a fresh connection; returns status, headers and body."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout, source_address=(source, 0))
    try:
        headers = dict(headers or {})
        if cookie:
            headers["Cookie"] = cookie
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


def ballot_form(code: str, answers: dict[int, dict[int, int]], comments: dict[int, str] | None = None) -> dict:
    form = {"code": code}
    for target_id, given in answers.items():
        form.update({f"a-{target_id}-{item_id}": str(level_id) for item_id, level_id in given.items()})
    form.update({f"c-{target_id}": text for target_id, text in (comments or {}).items()})
    return form


@dataclass
class Attempt:
    """One marked ballot a client tried to cast, and when (``time.monotonic``)."""

    code: str
    began: float
    ended: float = 0.0
    outcome: str = "not sent"  #: "acknowledged" (302 to /r/thanks), "in doubt" (cut off), or "HTTP <status>"


class BallotStream:
    """Client threads casting ballots through a live server, one fresh code each, until stopped.

    ``answers`` is one ballot's answers for all, or a function of ``i`` giving ballot ``i``'s.
    Ballot ``i`` carries the suggestion ``mark(i)`` on ``comment_target``: the test can find
    its own ballot afterwards, as only the person holding the slip could. A request cut off
    by a dying server is "in doubt" (the ballot may or may not have been committed) and its
    code is not tried again; a refused connection (server down) is retried after a pause.
    """

    def __init__(self, server, codes: list[str], answers, comment_target: int, clients: int = 8) -> None:
        self.server, self.codes, self.answers, self.comment_target = server, codes, answers, comment_target
        self.attempts: dict[int, Attempt] = {}
        self.failures: list[BaseException] = []
        self._next = iter(range(len(codes)))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(k,), daemon=True) for k in range(clients)]

    @staticmethod
    def mark(i: int) -> str:
        return f"live-ballot-{i:06d}"

    def start(self) -> BallotStream:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=180)
        assert self.failures == [], self.failures

    def acknowledged(self, before: float = float("inf")) -> set[int]:
        return {i for i, a in self.attempts.items() if a.outcome == "acknowledged" and a.ended < before}

    def outcomes(self) -> dict[str, int]:
        return dict(Counter(a.outcome for a in self.attempts.values()))

    def _run(self, k: int) -> None:
        try:
            while not self._stop.is_set():
                with self._lock:
                    i = next(self._next, None)
                if i is None:
                    return
                self._cast(i, Rater(self.server, client_address(k)))
        except BaseException as error:  # reported by stop()
            self.failures.append(error)

    def _cast(self, i: int, rater: Rater) -> None:
        while not self._stop.is_set():
            try:
                rater.open_entry_page()
                break
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)  # the server is down or restarting
        else:
            return
        attempt = self.attempts[i] = Attempt(self.codes[i], time.monotonic())
        answers = self.answers(i) if callable(self.answers) else self.answers
        form = ballot_form(self.codes[i], answers, {self.comment_target: self.mark(i)})
        try:
            status, location = rater.submit(form)
        except (OSError, http.client.HTTPException):
            attempt.outcome = "in doubt"
        else:
            attempt.outcome = "acknowledged" if (status, location) == (302, "/r/thanks") else f"HTTP {status}"
        attempt.ended = time.monotonic()
