"""The one statement that reads a round's ratings for scoring: a single pass, portable SQL.

Every rating row of the round is read once, grouped per (ballot, target) in the
``ballot_scores`` CTE: the weighted sums Σ w·p / Σ w over the valid (non-不了解) answers
give the ballot score, and the answers themselves are packed into a few integers
("answer words": each item of the questionnaire has a slot of a few bits holding its
level's position + 1, 0 when unanswered). Everything else is read from these per-ballot
rows, never from the ratings again:

- per (target, group): n, Σ score and the low-trust ballots; and, unpacked from the
  words, the answers per (item, level), from which Python derives the item means, the
  level distribution and the satisfaction counts (``kind`` 0);
- Σ (score − mean)² per (target, group), in a second pass over the per-ballot rows
  around the group mean (Σs² − n·mean² would cancel catastrophically and differ
  between databases);
- the straight-lined ballots per group (``kind`` 1);
- for median and trimmed mean, every ballot score (``kind`` 2).

Why packing: SQLite has no hash aggregation, so a second GROUP BY (target, group, item,
level) over the rating rows sorts all of them; counting from the per-ballot rows costs a
few conditional counts per ballot instead. The per-ballot GROUP BY itself needs no sort
on SQLite: the unique index ``ix_ballots_round_id_id`` hands over the round's ballots in
id order, one index entry per ballot, and each ballot's ratings follow in key order.
Weights and points are cast to float8: NUMERIC arithmetic is several times slower on
PostgreSQL and buys nothing here. Slots are at most 31 bits a word, so a word fits a
32-bit integer on both databases (PostgreSQL sums those into bigint, not numeric).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Double, Integer, case, cast, func, literal, null, select, union_all

from surveys.enums import Aggregation
from surveys.models import Ballot, Item, Level, Rating
from surveys.scoring.config import LevelConfig, RoundConfig

_r, _b, _i, _l = Rating.__table__, Ballot.__table__, Item.__table__, Level.__table__

#: Bits a word may use: the sums stay 32-bit integers (no overflow, no NUMERIC on PostgreSQL).
WORD_BITS = 31
#: The statement's columns; each kind fills the ones it needs, the rest are NULL.
COLUMNS = ("kind", "target_id", "group_id", "n", "total", "squares", "low_trust")


@dataclass(frozen=True)
class Slot:
    """Where one (item, level) pair is counted: the word, the item's place in it, the level's code."""

    item_id: int
    level: LevelConfig
    word: int
    shift: int  #: the item's slot starts at bit ``shift``
    code: int  #: the level's position + 1 (0 is "unanswered")


def slots(round_: RoundConfig) -> tuple[tuple[Slot, ...], int]:
    """Every (item, level) pair of the round's questionnaire, and the bits a slot takes."""
    bits = max((lv.position + 1 for lv in round_.levels), default=1).bit_length()
    per_word = WORD_BITS // bits
    pairs = tuple(
        Slot(item.id, level, index // per_word, bits * (index % per_word), level.position + 1)
        for index, item in enumerate(round_.items)
        for level in round_.levels
    )
    return pairs, bits


def round_statement(round_: RoundConfig, *, is_postgres: bool):
    """The round's statement: rows of ``COLUMNS`` followed by one count per slot (see module)."""
    pairs, bits = slots(round_)
    scores = _ballot_scores(round_.id, pairs, is_postgres=is_postgres).cte("ballot_scores")
    counted = scores.c.score.is_not(None)
    slot_counts = [
        func.count().filter(((scores.c[f"word{s.word}"] // (1 << s.shift)) % (1 << bits)) == s.code) for s in pairs
    ]
    sums = (
        select(
            scores.c.target_id,
            scores.c.group_id,
            func.count(scores.c.score).label("n"),
            func.sum(scores.c.score).label("total"),
            func.count().filter(counted & scores.c.is_low_trust).label("low_trust"),
            *(c.label(f"slot{k}") for k, c in enumerate(slot_counts)),
        )
        .group_by(scores.c.target_id, scores.c.group_id)
        .cte("group_sums")
    )
    none_f, none_i = cast(null(), Double), cast(null(), Integer)
    pad = [none_i.label(f"slot{k}") for k in range(len(pairs))]
    if round_.aggregation is Aggregation.MEAN:
        squares = _squared_deviations(scores, sums, counted)
        main = select(
            literal(0).label("kind"),
            sums.c.target_id,
            sums.c.group_id,
            sums.c.n,
            sums.c.total,
            squares.c.squares,
            sums.c.low_trust,
            *(sums.c[f"slot{k}"] for k in range(len(pairs))),
        ).join(
            squares,
            (squares.c.target_id == sums.c.target_id) & (squares.c.group_id == sums.c.group_id),
            isouter=True,
        )
        parts = [main]
    else:  # median and trimmed mean need every ballot score
        main = select(
            literal(0).label("kind"),
            sums.c.target_id,
            sums.c.group_id,
            sums.c.n,
            none_f,
            none_f,
            sums.c.low_trust,
            *(sums.c[f"slot{k}"] for k in range(len(pairs))),
        )
        each = select(
            literal(2), scores.c.target_id, scores.c.group_id, none_i, scores.c.score, none_f, none_i, *pad
        ).where(counted)
        parts = [main, each]
    # straight-lined: at least two answers, all at one level (不了解 included), over the whole ballot
    per_ballot = (
        select(func.max(scores.c.group_id).label("group_id"))
        .group_by(scores.c.ballot_id)
        .having((func.sum(scores.c.answers) >= 2) & (func.min(scores.c.low_level) == func.max(scores.c.high_level)))
        .subquery()
    )
    straight = select(literal(1), none_i, per_ballot.c.group_id, func.count(), none_f, none_f, none_i, *pad).group_by(
        per_ballot.c.group_id
    )
    return union_all(*parts, straight), pairs


def _ballot_scores(round_id: int, pairs: tuple[Slot, ...], *, is_postgres: bool):
    """Per (ballot, target): group, low-trust mark, score, answers, lowest and highest level, words.

    The score Σ w·p / Σ w runs over the valid answers only: 不了解 has no points (a CHECK
    constraint guarantees it), so w·p is NULL and SUM skips it, and its weight is left out
    of the denominator. A (ballot, target) with no valid answer has a NULL score; its
    answers still count in the level distribution and the straight-lining. On PostgreSQL
    the ballot id is grouped in the "C" collation: byte order sorts and hashes faster than
    a locale's rules, and the order of a group-by does not matter.
    """
    shifts = {s.item_id: (s.word, s.shift) for s in pairs}
    ballot_id = _b.c.id.collate("C") if is_postgres else _b.c.id
    weight = cast(_i.c.weight, Double)
    points = cast(_l.c.points, Double)
    code = _l.c.position + 1
    packed = [
        func.sum(
            code * case({item: 1 << shift for item, (w, shift) in shifts.items() if w == word}, value=_r.c.item_id)
        ).label(f"word{word}")
        for word in sorted({w for w, _shift in shifts.values()})
    ]
    return (
        select(
            ballot_id.label("ballot_id"),
            _r.c.target_id,
            _b.c.group_id,
            _b.c.is_low_trust,
            (func.sum(weight * points) / func.sum(case((~_l.c.is_excluded, weight)))).label("score"),
            func.count().label("answers"),
            func.min(_r.c.level_id).label("low_level"),
            func.max(_r.c.level_id).label("high_level"),
            *packed,
        )
        .select_from(
            _r.join(_b, _b.c.id == _r.c.ballot_id).join(_i, _i.c.id == _r.c.item_id).join(_l, _l.c.id == _r.c.level_id)
        )
        .where(_b.c.round_id == round_id)
        .group_by(ballot_id, _r.c.target_id, _b.c.group_id, _b.c.is_low_trust)
    )


def _squared_deviations(scores, sums, counted):
    """Σ (score − mean)² per (target, group), a second pass over the per-ballot rows."""
    deviation = scores.c.score - cast(sums.c.total, Double) / cast(func.nullif(sums.c.n, 0), Double)
    return (
        select(scores.c.target_id, scores.c.group_id, func.sum(deviation * deviation).label("squares"))
        .join(sums, (scores.c.target_id == sums.c.target_id) & (scores.c.group_id == sums.c.group_id))
        .where(counted)
        .group_by(scores.c.target_id, scores.c.group_id)
        .subquery()
    )
