"""Sealing a closed round's ballot box so storage order reveals nothing (DESIGN.md §5).

On SQLite the ballot, rating, comment and code tables are ``WITHOUT ROWID`` and keyed by
random ids, so rows are stored and dumped in key order, never in insertion order.

On PostgreSQL rows sit in the heap in insertion order and carry the id of the transaction
that wrote them (``xmin``), which would pair a ballot with the code used in the same
transaction. Sealing rewrites every row of the round in one transaction, in random order:
afterwards all of them share one ``xmin`` and their physical order is a shuffle. The scratch
copies are dropped as soon as the round is rewritten, so one transaction may close several
rounds.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

#: (table, condition selecting the round's rows), children after parents for re-insertion.
_TABLES = (
    ("codes", "round_id = :round_id"),
    ("ballots", "round_id = :round_id"),
    ("ratings", "ballot_id IN (SELECT id FROM ballots WHERE round_id = :round_id)"),
    ("comments", "round_id = :round_id"),
)


def seal_round(session: Session, round_id: int) -> None:
    """Rewrite the round's rows in random order (PostgreSQL); nothing to do on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return
    params = {"round_id": round_id}
    for table, condition in _TABLES:
        session.execute(
            text(f"CREATE TEMP TABLE sealed_{table} AS SELECT * FROM {table} WHERE {condition}"),  # noqa: S608 - fixed names  # nosec B608
            params,
        )
    for table, condition in reversed(_TABLES):  # children first, for the foreign keys
        session.execute(text(f"DELETE FROM {table} WHERE {condition}"), params)  # noqa: S608 - fixed names  # nosec B608
    for table, _condition in _TABLES:
        session.execute(text(f"INSERT INTO {table} SELECT * FROM sealed_{table} ORDER BY random()"))  # noqa: S608  # nosec B608  # fixed table names
        session.execute(text(f"DROP TABLE sealed_{table}"))
