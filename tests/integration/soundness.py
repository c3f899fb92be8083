"""Checks of a database after crashes, backups and restores: sound files, whole ballots,
one ballot per used code, and each marked ballot (see tests.live.BallotStream) findable."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from surveys import codes
from surveys.models import Ballot, Code, CodeStatus, Comment, Rating
from surveys.services.issuing import CodeKeys


def storage_problems(engine: Engine) -> list[str]:
    """What the database's own checker finds wrong: SQLite's integrity and foreign-key checks,
    or on PostgreSQL amcheck over every B-tree index of the schema, heap included."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            problems = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
            problems = [p for p in problems if p != "ok"]
            return problems + [repr(tuple(row)) for row in conn.exec_driver_sql("PRAGMA foreign_key_check")]
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS amcheck")
        indexes = conn.execute(
            text(
                "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " JOIN pg_am am ON am.oid = c.relam"
                " WHERE am.amname = 'btree' AND c.relnamespace = 'public'::regnamespace"
            )
        ).all()
        for oid, _name in indexes:  # raises on a corrupt index or a heap row missing from it
            conn.execute(text("SELECT bt_index_check(:oid, true)"), {"oid": oid})
        conn.commit()
        assert indexes, "no index was checked"
        return []


def ballot_problems(engine: Engine, ratings_per_ballot: int) -> list[str]:
    """Half-written or orphan ballots: each must have all its ratings and its one suggestion,
    and there must be as many ballots as used codes in each rater group."""
    problems = []
    with engine.connect() as conn:
        ratings = dict(conn.execute(select(Rating.ballot_id, func.count()).group_by(Rating.ballot_id)).all())
        comments = dict(conn.execute(select(Comment.ballot_id, func.count()).group_by(Comment.ballot_id)).all())
        ballots = conn.execute(select(Ballot.id, Ballot.group_id)).all()
        used = dict(
            conn.execute(
                select(Code.group_id, func.count()).where(Code.status == CodeStatus.USED).group_by(Code.group_id)
            ).all()
        )
    ids = {ballot_id for ballot_id, _group in ballots}
    problems += [f"ballot {b} has {ratings.get(b, 0)} ratings" for b in ids if ratings.get(b) != ratings_per_ballot]
    problems += [f"ballot {b} has {comments.get(b, 0)} suggestions" for b in ids if comments.get(b) != 1]
    problems += [f"ratings of missing ballot {b}" for b in ratings.keys() - ids]
    per_group: dict[int, int] = {}
    for _id, group in ballots:
        per_group[group] = per_group.get(group, 0) + 1
    if per_group != used:
        problems.append(f"ballots per group {per_group} != used codes per group {used}")
    return problems


def suggestions(engine: Engine) -> Counter[str]:
    """Every suggestion text and how many ballots carry it (a marked ballot appears once)."""
    with engine.connect() as conn:
        return Counter(conn.scalars(select(Comment.text)))


def code_digest(keys: CodeKeys, code: str) -> str:
    return codes.digest(keys.lookup, codes.check_format(code))


def used_codes(engine: Engine, keys: CodeKeys, issued: list[str]) -> set[int]:
    """Which of the issued codes (by index) the database holds as used."""
    digests = {code_digest(keys, code): i for i, code in enumerate(issued)}
    with engine.connect() as conn:
        used = conn.scalars(select(Code.digest).where(Code.status == CodeStatus.USED)).all()
    return {digests[d] for d in used}
