"""Rate limits (Flask-Limiter): failed code attempts and open-round ballots, per client.

Counters live in ``RATELIMIT_STORAGE_URI``: memory for one process, Redis to share them
between processes. If Redis is unreachable the limiter falls back to memory rather than
failing every request.
"""

from __future__ import annotations

from flask import Flask, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[], strategy="moving-window")

#: Failed code attempts per client; a success does not reset the count.
CODE_FAILURES = "10 per minute;60 per hour"
#: Ballots through an open (poster) round per client.
OPEN_BALLOTS = "5 per minute;30 per day"


def init_app(app: Flask) -> None:
    # Each app says whether it limits: Flask-Limiter would otherwise take the setting of the
    # last app it was given, the limiter being one object for the process.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
    _check_decorated_limits_only(app)


def _check_decorated_limits_only(app: Flask) -> None:
    """Drop the limiter's before-request check: every limit here is a view decorator's.

    Flask-Limiter checks a request twice: before the request for the default, application
    and blueprint limits, and in the view's decorator for the view's own. This app has only
    the latter (failed codes, open-round ballots), so the first check found nothing to
    count on every request, and cost about 0.07 ms of the 1.6 ms of a ballot (bench/README).
    Should a default, application or blueprint limit ever be configured, the check stays.
    """
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits or manager._blueprint_limits:
        return
    if limiter._check_request_limit not in app.before_request_funcs.get(None, []):
        return  # limits switched off (RATELIMIT_ENABLED): Flask-Limiter registered nothing
    app.before_request_funcs[None].remove(limiter._check_request_limit)


def refuse_code() -> None:
    """Mark this request's code as refused: the one thing that counts against `CODE_FAILURES`."""
    g.is_code_refused = True


def is_failure(response) -> bool:
    """Only a refused code counts against the failure limit: never a server error (after a
    database outage every phone that retried would be locked out), nor a form sent back for
    a missing answer with a good code."""
    return response.status_code < 500 and g.get("is_code_refused", False)
