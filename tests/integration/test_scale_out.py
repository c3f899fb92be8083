"""Scale-out: two real server processes behind one proxy, sharing their rate-limit counters in
Redis, so a client cannot double its allowance of failed codes by landing on both."""

from __future__ import annotations

import ipaddress
import secrets

import pytest

from tests.conftest import REDIS_URI
from tests.live import LiveServer, Rater, request, server_env

#: Starts real processes: left out of the inner loop (`pytest -m "not slow"`), always run by CI.
pytestmark = pytest.mark.slow

WRONG = "K7QM-3XPD-9TRA-U"  #: well formed, never issued


def fail(server: LiveServer, rater: Rater, client: str) -> int:
    """One refused code from ``client``, arriving through the proxy (EVALSITE_PROXY_HOPS=1)."""
    form = {"code": WRONG, "csrf_token": rater.token}
    headers = {"X-Forwarded-For": client}
    return request(server, "POST", "/r", form=form, cookie=rater.cookie, headers=headers)[0]


def test_two_server_processes_count_a_clients_failures_together(
    database_url, clean_db, tmp_path, redis_store, redis_client_address
):
    env = server_env(database_url, EVALSITE_RATELIMIT_STORAGE=REDIS_URI, EVALSITE_PROXY_HOPS="1")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = LiveServer(env, tmp_path / "a").start()
    b = LiveServer(env, tmp_path / "b").start()
    other = str(ipaddress.IPv4Address("10.0.0.0") + secrets.randbelow(2**24))
    try:
        rater = Rater(a, "127.0.0.1")
        rater.open_entry_page()  # the session and its CSRF token are good on both servers
        statuses = [fail(a, rater, redis_client_address) for _ in range(6)]
        statuses += [fail(b, rater, redis_client_address) for _ in range(4)]
        assert statuses == [400] * 10
        assert fail(b, rater, redis_client_address) == 429
        assert fail(a, rater, redis_client_address) == 429
        assert fail(a, rater, other) == 400  # another phone behind the same proxy is not affected
    finally:
        a.stop()
        b.stop()
        mine = [key for key in redis_store.scan_iter("LIMITS*") if f"/{other}/".encode() in key]
        if mine:
            redis_store.delete(*mine)
    assert "Traceback" not in a.errors() + b.errors()
