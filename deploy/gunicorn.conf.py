"""gunicorn settings for evalsite in production: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Every value comes from the environment (same names as in README "Deploying"), with defaults
for one machine behind nginx on the same host.

Workers: sync workers, one request each. With PostgreSQL, 2 × cores + 1 (gunicorn's advice:
a worker waiting on the database leaves the core to another). With SQLite, one per core:
SQLite has a single writer, casting a ballot takes the write lock for its whole
transaction, and more processes only queue on it (RECIPES: 2 sync workers on 2 cores beat
64 threads, which still met "database is locked" at a 1 s busy timeout). SQLite suits one
machine and a campaign's worth of ballots; above that, use PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import os

_env = os.environ.get
_cores = multiprocessing.cpu_count()
_is_sqlite = _env("EVALSITE_DATABASE_URL", "sqlite").startswith("sqlite")

bind = _env("EVALSITE_BIND", "127.0.0.1:8000")
workers = int(_env("EVALSITE_WORKERS", _cores if _is_sqlite else 2 * _cores + 1))
worker_class = "sync"
#: A request running longer than this is killed (its transaction rolls back: nothing half-written).
timeout = int(_env("EVALSITE_WORKER_TIMEOUT", 30))
#: On SIGTERM or a reload, workers finish the requests they hold for up to this long.
graceful_timeout = int(_env("EVALSITE_GRACEFUL_TIMEOUT", 30))
keepalive = 2
#: Workers are replaced after this many requests (jittered), so a slow leak never builds up.
max_requests = int(_env("EVALSITE_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10
#: The master imports the app once and forks: quicker (re)starts, shared memory. Safe here:
#: create_app opens no database connection; each worker opens its own on first use.
preload_app = True
#: Who may set X-Forwarded-Proto for gunicorn itself: the proxy's address (nginx on this host).
forwarded_allow_ips = _env("EVALSITE_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
control_socket_disable = True

accesslog = _env("EVALSITE_ACCESS_LOG", "-")
errorlog = _env("EVALSITE_ERROR_LOG", "-")
loglevel = _env("EVALSITE_LOG_LEVEL", "info")
#: No query string, no referrer, no user agent, and code-like path segments redacted; the
#: rating routes (/r, /o) without the client's address and with the day only (access_log.py).
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms'
logger_class = "evalsite.access_log.CodeFreeLogger"
