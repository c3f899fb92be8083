"""One SQLAlchemy session per request, opened lazily and closed at teardown."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from surveys.db import make_engine, make_session_factory


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["evalsite.engine"] = engine
    app.extensions["evalsite.sessions"] = make_session_factory(engine)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    """The request's session; views commit it once, at the end of a write."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["evalsite.sessions"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()  # rolls back anything not committed


def utcnow() -> datetime:
    """Naive UTC, as stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    """Today in the configured time zone (``TIMEZONE``): the calendar deadlines are kept in."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
