"""Rate limits (Flask-Limiter): failed code attempts and open-round ballots, per client.

Counters live in ``RATELIMIT_STORAGE_URI``: memory for one process, Redis to share them
between processes. If Redis is unreachable the limiter falls back to memory rather than
failing every request.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[], strategy="moving-window")

#: Failed code attempts per client; a success does not reset the count.
CODE_FAILURES = "10 per minute;60 per hour"
#: Ballots through an open (poster) round per client.
OPEN_BALLOTS = "5 per minute;30 per day"


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)


def is_failure(response) -> bool:
    """Only refused attempts count against the failure limit."""
    return response.status_code >= 400
