"""The statements that redeem a code and drop its ballot in, on the bare database driver.

They run for every ballot, inside the casting transaction, which on SQLite holds the
database's one write lock from ``BEGIN IMMEDIATE`` to ``COMMIT``: every microsecond spent
there is one the other workers wait. Through SQLAlchemy each statement cost about 0.1 ms of
Python, 15 times what the driver needs (measured in-process; see bench/README.md), so these
few go to the DBAPI cursor of the session's own connection: the same connection and
transaction, begun by `claim_write_lock` and committed by the caller's session as usual.
They do not appear in SQLAlchemy's statement log (which would only ever show a digest).

The SQL is written once with ``:name`` parameters, which sqlite3 takes as they are; psycopg
gets them as ``%(name)s``. Dates, times and booleans go through the columns' own SQLAlchemy
bind processors, so they are stored exactly as the ORM stores them (text on SQLite).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from surveys.db import new_uuid
from surveys.models import Ballot, Code, CodeStatus, RoundStatus, Target
from surveys.selectors import TargetSelector

#: Mark the code used only if it is unused, unexpired and of an open round; return its batch.
_REDEEM = """
UPDATE codes SET status = :used, used_on = :day
WHERE digest = :digest AND status = :unused
  AND (expires_at IS NULL OR expires_at > :now)
  AND round_id IN (SELECT id FROM rounds WHERE status = :open)
RETURNING batch_id, (SELECT batch_key FROM code_batches WHERE code_batches.id = codes.batch_id)
"""
_INSERT_BALLOT = """
INSERT INTO ballots (id, round_id, group_id, cast_on, is_low_trust)
VALUES (:id, :round_id, :group_id, :cast_on, :is_low_trust)
"""
#: Ratings and comments go in as one multi-row INSERT each (one round trip, where
#: ``executemany`` made one per row on sqlite3 and a pipeline on psycopg); the row counts
#: a questionnaire allows stay far below either driver's limit on parameters per statement.
_INSERT_RATINGS = "INSERT INTO ratings (ballot_id, target_id, item_id, level_id) VALUES "
_INSERT_COMMENTS = "INSERT INTO comments (id, ballot_id, round_id, target_id, text) VALUES "
ROWS_PER_STATEMENT = 500
_NAMED = re.compile(r":(\w+)")


@dataclass(frozen=True)
class Redeemed:
    batch_id: int
    batch_key: str


@dataclass(frozen=True)
class _Dialect:
    """The statements and value conversions of one database dialect."""

    redeem: str
    insert_ballot: str
    mark: str  #: the driver's positional parameter
    day: Callable[[Any], Any]
    moment: Callable[[Any], Any]
    flag: Callable[[Any], Any]


def redeem(session: Session, digest: str, *, now: datetime) -> Redeemed | None:
    """Mark the code with ``digest`` used today, if it may be; None if no row changed.

    The conditions are those of DESIGN section 5 (unused, unexpired, round open) and they
    are checked by the UPDATE itself, so two requests with one code cannot both succeed.
    """
    sql, cursor = _prepared(session)
    params = {
        "used": CodeStatus.USED.value,
        "unused": CodeStatus.UNUSED.value,
        "open": RoundStatus.OPEN.value,
        "digest": digest,
        "day": sql.day(now.date()),
        "now": sql.moment(now),
    }
    try:
        cursor.execute(sql.redeem, params)
        rows = cursor.fetchall()  # all of them: sqlite3 finishes the statement only then
    finally:
        cursor.close()
    if len(rows) != 1:
        return None
    return Redeemed(batch_id=rows[0][0], batch_key=rows[0][1])


def campaign_targets(session: Session, campaign_id: int, selector: TargetSelector) -> list[int]:
    """The ids of the campaign's targets that ``selector`` matches, in code order.

    Read for every ballot of a unit- or campaign-wide code: targets may be added or moved
    while a round is open, so they are never cached.
    """
    connection = session.connection()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_targets_sql(connection.dialect, campaign_id, selector))
        return [row[0] for row in cursor.fetchall()]
    finally:
        cursor.close()


@lru_cache(maxsize=1024)
def _targets_sql(dialect: Dialect, campaign_id: int, selector: TargetSelector) -> str:
    """The selector's own SQL filter (`TargetSelector.clause`), compiled once per batch coverage.

    The values are written into the text: they are ids and an enum's value, never typed text,
    and a statement without parameters is the cheapest the driver runs.
    """
    statement = select(Target.id).where(Target.campaign_id == campaign_id, selector.clause()).order_by(Target.code)
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def drop_in(
    session: Session,
    *,
    round_id: int,
    group_id: int,
    is_low_trust: bool,
    ratings: list[tuple[int, int, int]],
    comments: dict[int, str],
    today: date,
) -> str:
    """Insert one ballot with its (target, item, level) ratings and comments; returns its id."""
    sql, cursor = _prepared(session)
    ballot_id = new_uuid()
    try:
        ballot = {
            "id": ballot_id,
            "round_id": round_id,
            "group_id": group_id,
            "cast_on": sql.day(today),
            "is_low_trust": sql.flag(is_low_trust),
        }
        cursor.execute(sql.insert_ballot, ballot)
        _insert_rows(cursor, sql.mark, _INSERT_RATINGS, [(ballot_id, t, i, lv) for t, i, lv in ratings])
        texts = [(new_uuid(), ballot_id, round_id, t, x) for t, x in comments.items()]
        _insert_rows(cursor, sql.mark, _INSERT_COMMENTS, texts)
    finally:
        cursor.close()
    return ballot_id


def _insert_rows(cursor, mark: str, head: str, rows: list[tuple]) -> None:
    """``head`` + one ``(?, ...)`` per row, at most `ROWS_PER_STATEMENT` rows per statement."""
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        cursor.execute(_values(head, mark, len(chunk[0]), len(chunk)), [value for row in chunk for value in row])


@lru_cache(maxsize=256)
def _values(head: str, mark: str, width: int, count: int) -> str:
    row = "(" + ", ".join([mark] * width) + ")"
    return head + ", ".join([row] * count)


def _prepared(session: Session) -> tuple[_Dialect, Any]:
    connection = session.connection()
    dialect = connection.dialect
    key = (dialect.name, dialect.driver)
    sql = _dialects.get(key)
    if sql is None:
        sql = _dialects[key] = _for_dialect(dialect)
    return sql, connection.connection.cursor()


_dialects: dict[tuple[str, str], _Dialect] = {}


def _for_dialect(dialect: Dialect) -> _Dialect:
    if dialect.driver == "pysqlite":
        style = lambda sql: sql  # noqa: E731 - sqlite3 takes :name whatever SQLAlchemy's paramstyle
    elif dialect.driver in ("psycopg", "psycopg2"):
        style = lambda sql: _NAMED.sub(r"%(\1)s", sql)  # noqa: E731
    else:
        raise NotImplementedError(f"no bare statements for the driver {dialect.driver}")
    columns = Ballot.__table__.c
    return _Dialect(
        redeem=style(_REDEEM),
        insert_ballot=style(_INSERT_BALLOT),
        mark="?" if dialect.driver == "pysqlite" else "%s",
        day=_processor(columns.cast_on.type, dialect),
        moment=_processor(Code.__table__.c.expires_at.type, dialect),
        flag=_processor(columns.is_low_trust.type, dialect),
    )


def _processor(type_, dialect: Dialect):
    """The column type's conversion for this dialect (None means the driver takes the value)."""
    return type_.dialect_impl(dialect).bind_processor(dialect) or (lambda value: value)
