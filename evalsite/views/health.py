"""``GET /healthz`` for the reverse proxy and monitoring: can this process serve requests?

It opens a database connection, runs ``SELECT 1`` and reads the Alembic revision: 200 when
the schema is the one this code was written for, 503 when the database cannot be reached or
its schema is older or newer (``flask init-db`` not run after an upgrade, or old code left
running after one). No login, no session, no CSRF, no rate limit; it tells nothing beyond
the three words a monitor needs — no revision ids, versions or error texts.
"""

from __future__ import annotations

import functools

from alembic.runtime.migration import MigrationContext
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from evalsite.limits import limiter

bp = Blueprint("health", __name__)


@functools.cache
def expected_heads() -> frozenset[str]:
    """The newest migration(s) of this code; read once per process."""
    from evalsite.schema import migration_scripts

    return frozenset(migration_scripts().get_heads())


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Database reachable and schema current: 200; otherwise 503."""
    try:
        with current_app.extensions["evalsite.engine"].connect() as conn:
            conn.execute(text("SELECT 1"))
            heads = frozenset(MigrationContext.configure(conn).get_current_heads())
    except SQLAlchemyError:
        current_app.logger.exception("health check: the database cannot be reached")
        return _answer(503, database="unreachable")
    if heads != expected_heads():
        return _answer(503, database="ok", schema="outdated")
    return _answer(200, database="ok", schema="current")


def _answer(status: int, **checks: str):
    response = jsonify(status="ok" if status == 200 else "unavailable", **checks)
    response.headers["Cache-Control"] = "no-store"
    return response, status
