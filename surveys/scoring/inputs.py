"""The aggregates a scoring run reads from the database, as plain frozen dataclasses.

``queries`` fills them with SQL; ``tally`` fills them from ballots held in memory (the
reference the SQL is tested against). Keys are database ids: (round, target, group) etc.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from surveys.scoring.config import TargetInfo


@dataclass(frozen=True)
class GroupTally:
    """One rater group's ballots about one target in one round.

    A ballot counts (n) when it has at least one valid (non-不了解) answer for the target;
    its score is the weighted mean of those answers. ``positive`` and ``valid`` count item
    answers, not ballots, for the satisfaction rate.
    """

    n: int
    mean: float  #: mean ballot score
    squared_deviations: float  #: Σ (ballot score − mean)², for the standard deviation
    positive: int
    valid: int
    low_trust: int = 0
    #: Every ballot score, sorted; only read when the aggregation is median or trimmed.
    scores: tuple[float, ...] = ()


@dataclass(frozen=True)
class ItemTally:
    """Valid answers to one item about one target from one group: count and points (unweighted).

    ``total`` is exact (Σ count × points per level, points as the decimals they were given
    in), so the digest rounds the mean once, whichever database counted the answers.
    """

    n: int
    total: Fraction
    positive: int

    @property
    def mean(self) -> float:
        return float(self.total / self.n)


def exact_points(points: float) -> Fraction:
    """A level's points as the decimal number they were given in (70.5, not the nearest binary fraction)."""
    return Fraction(repr(float(points)))


#: (round id, target id, group id)
GroupKey = tuple[int, int, int]
#: (round id, target id, group id, item id)
ItemKey = tuple[int, int, int, int]
#: (round id, target id, level id)
LevelKey = tuple[int, int, int]


@dataclass(frozen=True)
class Inputs:
    targets: tuple[TargetInfo, ...]
    groups: Mapping[GroupKey, GroupTally] = field(default_factory=dict)
    items: Mapping[ItemKey, ItemTally] = field(default_factory=dict)
    #: Answers per level, 不了解 included (the level distribution).
    levels: Mapping[LevelKey, int] = field(default_factory=dict)
    #: (component id, target id) → (score, max score) from an imported sheet.
    imported: Mapping[tuple[int, int], tuple[float, float]] = field(default_factory=dict)
    #: target id → veto reasons, in the order they were recorded.
    vetoes: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
