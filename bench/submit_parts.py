"""CPU per submission in-process, with the submit path's protections switched off in turn.

    .venv/bin/python -m bench.submit_parts [--chunk 200] [--rounds 8]

Where ``bench.submit`` measures whole servers, this calls the WSGI apps directly (no gunicorn,
no sockets) to tell the parts of the real submit path apart. Each variant runs as two app
instances with their own database connections, alternating request by request as two
workers would (so each transaction finds the other's commit, as under gunicorn). The variants
take turns in chunks of ``--chunk`` requests for ``--rounds`` rounds; the process CPU time of
each chunk is divided by its requests, and the median and the minimum are printed.

- floor, ballot: ``bench/floor_app.py``'s ``/redeem`` and ``/ballot`` (see ``bench.submit``)
- submit: the real app, ``POST /r/submit`` with the session cookie and CSRF token of one
  ``GET /r``, as in ``bench.submit``
- no rate limit, no CSRF, no CSRF nor cookie: the same with ``RATELIMIT_ENABLED`` off, with
  ``WTF_CSRF_ENABLED`` off, and with CSRF off and a session interface that neither reads nor
  writes the cookie. For measuring only: the product never runs so.

SQLite only, in a temporary folder.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.submit import prepare

ROOT = Path(__file__).resolve().parent.parent
_CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')


def call(app, path: str, body: bytes = b"", cookie: str = "") -> tuple[str, list, bytes]:
    """One request straight into the WSGI callable: (status, headers, body)."""
    environ = {
        "REQUEST_METHOD": "POST" if body else "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    if body:
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers

    page = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], page


def floor_instance(n: int):
    """A fresh copy of the floor app module: its own connection, as in its own worker."""
    spec = importlib.util.spec_from_file_location(f"bench_floor_{n}", ROOT / "bench" / "floor_app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def without_cookie(app):
    """CSRF off and a session that is never read from nor written to the cookie."""
    from flask.sessions import SecureCookieSession, SessionInterface

    class Uncookied(SessionInterface):
        def open_session(self, app, request):
            return SecureCookieSession()

        def save_session(self, app, session, response):
            return None

    app.session_interface = Uncookied()
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunk", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    variants = ["floor", "ballot", "submit", "no rate limit", "no CSRF", "no CSRF nor cookie"]
    per_variant = args.chunk * args.rounds + 50

    folder = Path(tempfile.mkdtemp(prefix="evalsite-bench-"))
    try:
        path = folder / "bench.db"
        fixture = prepare(f"sqlite:///{path}", str(path), per_variant * len(variants))
        os.environ.update(
            {
                "BENCH_FLOOR_DATABASE": str(path),
                "BENCH_FLOOR_LOOKUP_KEY": fixture.lookup_key,
                "BENCH_FLOOR_ROUND_ID": str(fixture.round_id),
                "BENCH_FLOOR_GROUP_ID": str(fixture.floor_group_id),
            }
        )
        from evalsite import create_app

        base = {
            "ENV_NAME": "development",
            "DATABASE_URL": fixture.url,
            "SECRET_KEY": secrets.token_hex(32),
            "CODE_KEY": fixture.code_key,
            "LOOKUP_KEY": fixture.lookup_key,
        }
        real = {
            "submit": {},
            "no rate limit": {"RATELIMIT_ENABLED": False},
            "no CSRF": {"WTF_CSRF_ENABLED": False},
            "no CSRF nor cookie": {"WTF_CSRF_ENABLED": False},
        }
        apps = {"floor": [floor_instance(0), floor_instance(1)]}
        apps["ballot"] = apps["floor"]
        for name, changes in real.items():
            apps[name] = [create_app(base | changes) for _ in range(2)]
        apps["no CSRF nor cookie"] = [without_cookie(app) for app in apps["no CSRF nor cookie"]]

        _status, headers, page = call(apps["submit"][0], "/r")
        cookie = next(value for name, value in headers if name == "Set-Cookie").split(";", 1)[0]
        token = _CSRF.search(page).group(1).decode()
        floor_codes, real_codes = iter(fixture.floor_codes), iter(fixture.real_codes)

        def request(name: str, i: int) -> None:
            app = apps[name][i % 2]
            if name == "floor":
                answer = call(app, "/redeem", urlencode({"code": next(floor_codes)}).encode())
            elif name == "ballot":
                answer = call(app, "/ballot", urlencode({"code": next(floor_codes), **fixture.answers}).encode())
            else:
                form = {"csrf_token": token, "code": next(real_codes), **fixture.answers}
                answer = call(app, "/r/submit", urlencode(form).encode(), cookie)
            if not answer[0].startswith("302"):
                raise SystemExit(f"{name}: {answer[0]} {answer[2][:300]!r}")

        for name in variants:  # warm up
            for i in range(50):
                request(name, i)
        spent = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name in variants:
                started = time.process_time()
                for i in range(args.chunk):
                    request(name, i)
                spent[name].append((time.process_time() - started) / args.chunk * 1000)
        print(f"CPU ms per request, {args.rounds} chunks of {args.chunk} (SQLite, in-process)")
        for name in variants:
            print(f"{name:<20} median {statistics.median(spent[name]):6.3f}   min {min(spent[name]):6.3f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
