"""Login throttling: failed sign-ins counted per username and per client address.

Counters live where Flask-Limiter keeps its own (``RATELIMIT_STORAGE_URI``): Redis in
production, so every app process sees the same count; memory for one process. Chosen over
a counter column in the database because unknown usernames must be throttled exactly like
known ones (no row to count on would itself tell them apart), and because a failed attempt
should not cost a database write beyond its audit entry. If Redis becomes unreachable the
counts continue in memory rather than failing every login, and Redis is tried again every
``LOGIN_THROTTLE_RETRY_SECONDS`` (default 10 s): once it answers, counting goes back to it. The
log says so once each way.

A locked username or address is refused even with the right password, with the same
message as any other failure; the lock lifts when the oldest failure leaves the window.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app
from limits import parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

#: Failed attempts allowed per username, then per client address (which covers one client
#: trying many usernames).
PER_USERNAME = "5 per 15 minutes"
PER_ADDRESS = "20 per 15 minutes"
#: How long, after Redis failed, the counts stay in memory before Redis is tried again.
RETRY_SECONDS = 10.0

log = logging.getLogger(__name__)


class LoginThrottle:
    def __init__(self, app: Flask):
        self.per_username = parse_many(app.config.get("LOGIN_FAILURES_PER_USERNAME", PER_USERNAME))
        self.per_address = parse_many(app.config.get("LOGIN_FAILURES_PER_ADDRESS", PER_ADDRESS))
        self._shared = MovingWindowRateLimiter(storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._retry_seconds = float(app.config.get("LOGIN_THROTTLE_RETRY_SECONDS", RETRY_SECONDS))
        #: When the shared storage last failed (time.monotonic()), or None while it answers.
        self._shared_down_since: float | None = None

    def _keys(self, username: str, address: str):
        yield from ((item, "login-user", username.strip().lower()) for item in self.per_username)
        yield from ((item, "login-addr", address) for item in self.per_address)

    def is_locked(self, username: str, address: str) -> bool:
        return not all(self._call("test", key) for key in self._keys(username, address))

    def record_failure(self, username: str, address: str) -> None:
        for key in self._keys(username, address):
            self._call("hit", key)

    def record_success(self, username: str) -> None:
        """A good password clears its username's failures (not the address's)."""
        for item in self.per_username:
            self._call("clear", (item, "login-user", username.strip().lower()))

    def _call(self, method: str, key: tuple):
        down_since = self._shared_down_since
        if down_since is None or time.monotonic() - down_since >= self._retry_seconds:
            try:
                answer = getattr(self._shared, method)(*key)
            except Exception:  # noqa: BLE001 - any storage failure (redis ConnectionError, timeout...)
                if down_since is None:
                    log.warning("login throttle storage unreachable; counting in memory until it answers again")
                self._shared_down_since = time.monotonic()
            else:
                if down_since is not None:
                    log.warning("login throttle storage answers again; counting there again")
                    self._shared_down_since = None
                return answer
        return getattr(self._local, method)(*key)


def init_app(app: Flask) -> None:
    app.extensions["evalsite.login_throttle"] = LoginThrottle(app)


def current() -> LoginThrottle:
    return current_app.extensions["evalsite.login_throttle"]
