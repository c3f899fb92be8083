"""Rounding, ranks, grade bands, bottom-N (末位) and top-N (十佳).

Only ranked targets come here: vetoed targets and targets with insufficient data take no
rank, are never top or bottom, and do not occupy a place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from surveys.scoring.reasons import Reason

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
    top_by_category: bool = False  #: 十佳 within each category, else over the whole list
    bottom_by_category: bool = False  #: 末位 within each category, else over the whole list
    bottom_threshold: float | None = None
    top_min_ballots: int = 0
    top_min_grade: str | None = None
    grade_bands: Sequence[tuple[float, str]] = ()


def standings(entries: Sequence[Entry], marks: Marks) -> dict[str, Standing]:
    """Rank every entry overall and within its category, and mark bottom-N and top-N.

    Bottom-N is designated first: within the scope (overall, or each category), the
    entries whose rank counted from the bottom is ≤ N — ties at the edge are all in, so
    there may be more than N — and, with a threshold, only those whose total is below it,
    so there may be fewer. Top-N is then chosen the same way from the top among the
    remaining eligible entries (not bottom, at least the minimum ballots and at least the
    minimum grade; vetoed targets never get here). So 十佳 and 末位 never meet: in a
    category of 8 with 十佳 10 and 末位 3, three are 末位 and the other five 十佳.
    """
    totals = {e.key: e.total for e in entries}
    overall = competition_ranks(totals)
    by_category = _by_category(entries)
    within = {key: rank for group in by_category.values() for key, rank in competition_ranks(group).items()}
    bottom, top = set(), set()
    for scope in _scopes(entries, by_category=marks.bottom_by_category).values():
        bottom |= _bottom(scope, marks)
    eligible = _eligible(entries, marks) - bottom
    for scope in _scopes(entries, by_category=marks.top_by_category).values():
        if marks.top_n > 0:
            candidates = {key: total for key, total in scope.items() if key in eligible}
            top |= {key for key, rank in competition_ranks(candidates).items() if rank <= marks.top_n}
    return {
        e.key: Standing(overall[e.key], within[e.key], is_top=e.key in top, is_bottom=e.key in bottom) for e in entries
    }


def shortfalls(categories: dict[str, int], marks: Marks, bottoms: dict[str, int] | None = None) -> list[Reason]:
    """Where N is larger than a scope holds, said in words (for the rules page and the run).

    ``categories`` counts the targets of each category of the list. ``bottoms`` is how
    many of each category were marked 末位 (a run knows; the rules page leaves it out and
    N is assumed taken, or all when fewer). Top-N falls short when fewer than N remain in
    its scope once the 末位 are taken out.
    """
    notes = []
    for name, size in _scoped(categories, marks.bottom_by_category).items():
        if marks.bottom_n > size:
            notes.append(Reason(_code("bottom_short", name), {**_place(name), "size": size, "n": marks.bottom_n}))
    if bottoms is not None:
        taken = _scoped(bottoms, marks.top_by_category)
    elif marks.bottom_by_category or not marks.top_by_category:
        per_scope = _scoped(categories, marks.bottom_by_category)
        taken = _scoped({name: min(marks.bottom_n, size) for name, size in per_scope.items()}, marks.top_by_category)
    else:  # 末位 over the whole list, 十佳 per category: which category loses whom is not known yet
        taken = {}
    for name, size in _scoped(categories, marks.top_by_category).items():
        rest = size - taken.get(name, 0)
        if marks.top_n > rest:
            facts = {**_place(name), "size": size, "bottom": taken.get(name, 0), "rest": rest, "n": marks.top_n}
            notes.append(Reason(_code("top_short", name), facts))
    return notes


def _scoped(counts: dict[str, int], by_category: bool) -> dict[str, int]:
    """Counts per category as they fall in the scopes: each category, or "" for the whole list."""
    return dict(sorted(counts.items())) if by_category else {"": sum(counts.values())}


def _code(code: str, scope: str) -> str:
    return code + "_category" if scope else code


def _place(scope: str) -> dict:
    return {"category": scope} if scope else {}


def _by_category(entries: Sequence[Entry]) -> dict[str, dict[str, Decimal]]:
    groups: dict[str, dict[str, Decimal]] = {}
    for e in entries:
        groups.setdefault(e.category, {})[e.key] = e.total
    return groups


def _scopes(entries: Sequence[Entry], *, by_category: bool) -> dict[str, dict[str, Decimal]]:
    scopes: dict[str, dict[str, Decimal]] = {}
    for e in entries:
        scopes.setdefault(e.category if by_category else "", {})[e.key] = e.total
    return scopes


def _bottom(scope: dict[str, Decimal], marks: Marks) -> set[str]:
    if marks.bottom_n <= 0:
        return set()
    from_bottom = competition_ranks(scope, descending=False)
    threshold = None if marks.bottom_threshold is None else Decimal(repr(float(marks.bottom_threshold)))
    return {
        key
        for key, rank in from_bottom.items()
        if rank <= marks.bottom_n and (threshold is None or scope[key] < threshold)
    }


def _eligible(entries: Sequence[Entry], marks: Marks) -> set[str]:
    min_grade = grade_position(marks.top_min_grade, marks.grade_bands) if marks.top_min_grade else None
    return {
        e.key
        for e in entries
        if e.ballots >= marks.top_min_ballots
        and (min_grade is None or grade_position(e.grade, marks.grade_bands) <= min_grade)
    }
