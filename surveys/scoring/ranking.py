"""Rounding, ranks, grade bands, bottom-N (末位) and top-N (十佳).

Only ranked targets come here: vetoed targets and targets with insufficient data take no
rank, are never top or bottom, and do not occupy a place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

_NOISE = Decimal("1e-9")
_CENTS = Decimal("0.01")


def round2(value: float) -> Decimal:
    """A total at two decimals, half up (84.995 → 85.00), as it is ranked and shown.

    The float is first rounded to nine decimals: sums of the same numbers in a different
    order (SQLite and PostgreSQL add differently) can differ in the last bits, and that
    must not push a total across a rounding edge. Only totals within 5e-10 of an edge
    are affected, which the data of a poll cannot tell apart from the edge itself.
    """
    return Decimal(repr(float(value))).quantize(_NOISE, ROUND_HALF_EVEN).quantize(_CENTS, ROUND_HALF_UP)


def grade(total: Decimal, bands: Sequence[tuple[float, str]]) -> str | None:
    """The label of the first band (highest bound first) whose lower bound the total reaches.

    Default bands: ≥ 85 满意, ≥ 75 比较满意, ≥ 60 基本满意, below 60 不满意. Bounds are
    compared with the two-decimal total, so 84.996 (shown 85.00) is 满意.
    """
    for bound, label in sorted(bands, key=lambda band: -band[0]):
        if total >= Decimal(repr(float(bound))):
            return label
    return None


def grade_position(label: str | None, bands: Sequence[tuple[float, str]]) -> int:
    """0 for the best band, 1 for the next…; a missing grade sorts after every band."""
    labels = [lab for _bound, lab in sorted(bands, key=lambda band: -band[0])]
    return labels.index(label) if label in labels else len(labels)


def competition_ranks(totals: dict[str, Decimal], *, descending: bool = True) -> dict[str, int]:
    """Competition ranks (1, 2, 2, 4): one plus the number of strictly better totals.

    Equal totals share a rank and the next rank skips. ``descending`` False counts from
    the bottom (the lowest total is 1).
    """
    values = sorted(totals.values(), reverse=descending)
    first = {}
    for position, value in enumerate(values, start=1):
        first.setdefault(value, position)
    return {key: first[value] for key, value in totals.items()}


@dataclass(frozen=True)
class Entry:
    """A ranked target: its key, two-decimal total, category, counted ballots and grade."""

    key: str
    total: Decimal
    category: str
    ballots: int
    grade: str | None


@dataclass(frozen=True)
class Standing:
    rank: int
    category_rank: int
    is_top: bool
    is_bottom: bool


@dataclass(frozen=True)
class Marks:
    """The bottom-N and top-N rules (see ``Rules`` in ``config``)."""

    top_n: int = 10
    bottom_n: int = 0
    by_category: bool = False
    bottom_threshold: float | None = None
    top_min_ballots: int = 0
    top_min_grade: str | None = None
    grade_bands: Sequence[tuple[float, str]] = ()


def standings(entries: Sequence[Entry], marks: Marks) -> dict[str, Standing]:
    """Rank every entry overall and within its category, and mark bottom-N and top-N.

    Bottom-N: within the scope (overall, or each category), the entries whose rank counted
    from the bottom is ≤ N — ties at the edge are all in, so there may be more than N —
    and, with a threshold, only those whose total is below it, so there may be fewer.
    Top-N: the same from the top, counted among the eligible entries only (at least the
    minimum ballots and at least the minimum grade; vetoed targets never get here).
    """
    totals = {e.key: e.total for e in entries}
    overall = competition_ranks(totals)
    by_category: dict[str, dict[str, Decimal]] = {}
    for e in entries:
        by_category.setdefault(e.category, {})[e.key] = e.total
    within = {key: rank for group in by_category.values() for key, rank in competition_ranks(group).items()}
    scopes = list(by_category.values()) if marks.by_category else [totals]
    bottom, top = set(), set()
    min_grade = grade_position(marks.top_min_grade, marks.grade_bands) if marks.top_min_grade else None
    eligible = {
        e.key
        for e in entries
        if e.ballots >= marks.top_min_ballots
        and (min_grade is None or grade_position(e.grade, marks.grade_bands) <= min_grade)
    }
    for scope in scopes:
        if marks.bottom_n > 0:
            from_bottom = competition_ranks(scope, descending=False)
            threshold = None if marks.bottom_threshold is None else Decimal(repr(float(marks.bottom_threshold)))
            bottom |= {
                key
                for key, rank in from_bottom.items()
                if rank <= marks.bottom_n and (threshold is None or scope[key] < threshold)
            }
        if marks.top_n > 0:
            candidates = {key: total for key, total in scope.items() if key in eligible}
            top |= {key for key, rank in competition_ranks(candidates).items() if rank <= marks.top_n}
    return {
        e.key: Standing(overall[e.key], within[e.key], is_top=e.key in top, is_bottom=e.key in bottom) for e in entries
    }
