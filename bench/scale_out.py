"""Scale-out: two app processes against one PostgreSQL and one Redis, as DESIGN.md section 8 says.

    .venv/bin/python -m bench.scale_out [--seconds 10] [--clients 16] [--redis redis://127.0.0.1:6379/14]

Two ``gunicorn wsgi:app`` servers (A and B, 2 sync workers each, different ports, the same
settings as bench/submit.py) run against one fresh PostgreSQL database (``evalsite_bench_scale``)
and count rate limits in one Redis database, with ``EVALSITE_PROXY_HOPS=1`` as behind nginx.

1. Load: what a phone does (``GET /r``, then ``POST /r/submit`` with a fresh code and a full
   ballot), first on A alone, then spread evenly over A and B at the same time, ``--seconds``
   each; submissions per second are printed for each server and together, and afterwards the
   database must hold exactly one ballot per acknowledged submission and per used code.
2. The failed-code limit (10 a minute per client) across both: one client address fails 6
   times on A and 4 times on B; its 11th failure must be refused (429) on B and on A, while
   another client behind the same proxy is still served.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import os
import re
import secrets
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlencode

import redis
from sqlalchemy import func, select

from bench.gunicorn import WORKERS, Gunicorn
from bench.submit import (
    Phase,
    create_postgres_database,
    drop_postgres_database,
    prepare,
    real_submission,
    report,
    run_load,
)

DATABASE = "evalsite_bench_scale"
WRONG = "K7QM-3XPD-9TRA-U"  #: well formed, never issued
LEAD_IN = 1.0  #: seconds of load before counting starts


def measure(phases: list[Phase], answers: dict[str, str], clients: int, seconds: float) -> float:
    """Load every phase at once, ``clients`` split evenly; returns their submissions per second together."""
    share = clients // len(phases)
    load = [(p, answers, share, LEAD_IN, seconds) for p in phases]
    threads = [threading.Thread(target=run_load, args=args, kwargs={"count": True}) for args in load]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(p.ok for p in phases) / seconds


def failure(server: Gunicorn, client: str) -> int:
    """One refused code from ``client`` (through the proxy), with a session and CSRF token of its own."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", "/r")
        response = conn.getresponse()
        page = response.read().decode()
        cookie = (response.getheader("Set-Cookie") or "").split(";", 1)[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "X-Forwarded-For": client}
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("POST", "/r", urlencode({"code": WRONG, "csrf_token": token}), headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def check_limit(a: Gunicorn, b: Gunicorn, store: redis.Redis) -> bool:
    client, other = (str(ipaddress.IPv4Address("10.0.0.0") + secrets.randbelow(2**24)) for _ in range(2))
    try:
        statuses = [failure(a, client) for _ in range(6)] + [failure(b, client) for _ in range(4)]
        eleventh_b, twelfth_a, other_a = failure(b, client), failure(a, client), failure(a, other)
    finally:
        mine = [k for k in store.scan_iter("LIMITS*") if f"/{client}/".encode() in k or f"/{other}/".encode() in k]
        if mine:
            store.delete(*mine)
    print(f"failed-code limit: 6 failures on A, 4 on B -> {statuses}")
    print(f"  11th failure on B -> {eleventh_b}, 12th on A -> {twelfth_a}, another client on A -> {other_a}")
    held = statuses == [400] * 10 and eleventh_b == 429 and twelfth_a == 429 and other_a == 400
    print(f"  the limit {'holds' if held else 'DOES NOT HOLD'} across both processes")
    return held


def ballots_match(url: str, counted: int) -> bool:
    """One ballot per used code, and at least one per counted submission (lead-ins are not counted)."""
    from surveys.db import make_engine
    from surveys.models import Ballot, Code, CodeStatus

    engine = make_engine(url)
    with engine.connect() as conn:
        ballots = conn.scalar(select(func.count()).select_from(Ballot))
        used = conn.scalar(select(func.count()).select_from(Code).where(Code.status == CodeStatus.USED))
    engine.dispose()
    print(f"database: {ballots} ballots, {used} used codes; {counted} submissions counted")
    return ballots == used >= counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    store = redis.Redis.from_url(args.redis)
    store.ping()
    folder = Path(tempfile.mkdtemp(prefix="evalsite-scale-"))
    servers: list[Gunicorn] = []
    try:
        url = create_postgres_database(DATABASE)
        fixture = prepare(url, "", int(400 * (args.seconds + LEAD_IN) * 2))
        env = {
            "EVALSITE_DATABASE_URL": url,
            "EVALSITE_SECRET_KEY": secrets.token_hex(32),
            "EVALSITE_CODE_KEY": fixture.code_key,
            "EVALSITE_LOOKUP_KEY": fixture.lookup_key,
            "EVALSITE_RATELIMIT_STORAGE": args.redis,
            "EVALSITE_PROXY_HOPS": "1",
        }
        servers = [Gunicorn("wsgi:app", env, folder / f"{name}.log") for name in "ab"]
        a, b = servers
        print(f"PostgreSQL + Redis ({args.redis}); {WORKERS} sync workers per server; {args.clients} clients; "
              f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        codes = iter(fixture.real_codes)
        alone = Phase("A", real_submission, codes, a)
        one = measure([alone], fixture.answers, args.clients, args.seconds)
        both = [Phase("A", real_submission, codes, a), Phase("B", real_submission, codes, b)]
        two = measure(both, fixture.answers, args.clients, args.seconds)
        for phase in (alone, *both):
            report(phase)
        print(f"one server: {one:.1f} submissions/s; two servers together: {two:.1f} submissions/s "
              f"({two / one:.2f}x); load average now {os.getloadavg()[0]:.1f}")  # fmt: skip
        consistent = ballots_match(url, sum(p.ok for p in (alone, *both)))
        held = check_limit(a, b, store)
        if not (held and consistent):
            raise SystemExit(1)
    finally:
        for server in servers:
            server.stop()
        drop_postgres_database(DATABASE)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
