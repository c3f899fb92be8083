"""The anonymous ballot export: one row per rating, sorted by the ballots' random ids.

Rows carry no time, code or batch: only the random ballot id, round, rater group, target
code, item code, level and points (empty for 不了解), so the file keeps the anonymity the
database keeps (DESIGN.md section 5). Sorting by the random id leaves no casting order.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.models import Ballot, Item, Level, RaterGroup, Rating, Round, Target

HEADER = ("ballot_id", "round", "rater_group", "target_code", "item_code", "level", "points")
#: Rows fetched from the database at a time: the export streams, whatever the round's size.
CHUNK = 2000


def rating_rows(session: Session, round_: Round) -> Iterator[tuple[str, ...]]:
    """Every rating of ``round_`` as text fields, in ballot id order (then target, item).

    The rows are fetched in chunks as the caller iterates, inside the session's
    transaction. On PostgreSQL the ordering uses the "C" collation, so the file is
    byte-for-byte the one SQLite gives. Which rounds may be exported is the caller's rule
    (``surveys.services.ballot_export``).
    """
    is_postgres = session.get_bind().dialect.name == "postgresql"

    def ordered(column):
        return column.collate("C") if is_postgres else column

    stmt = (
        select(Ballot.id, RaterGroup.name, Target.code, Item.code, Level.label, Level.points, Level.is_excluded)
        .select_from(Rating)
        .join(Ballot, Ballot.id == Rating.ballot_id)
        .join(RaterGroup, RaterGroup.id == Ballot.group_id)
        .join(Target, Target.id == Rating.target_id)
        .join(Item, Item.id == Rating.item_id)
        .join(Level, Level.id == Rating.level_id)
        .where(Ballot.round_id == round_.id)
        .order_by(ordered(Ballot.id), ordered(Target.code), Item.position, ordered(Item.code))
        .execution_options(yield_per=CHUNK)
    )
    for ballot_id, group, target, item, level, points, is_excluded in session.execute(stmt):
        yield (ballot_id, round_.name, group, target, item, level, "" if is_excluded else format_points(points))


def format_points(points: float | None) -> str:
    """100.0 → "100", 87.5 → "87.5": the shortest text that reads back as the same number."""
    if points is None:
        return ""
    return str(int(points)) if float(points).is_integer() else repr(float(points))
