"""Tallying ballots held in memory: the reference for the SQL in ``queries``.

It computes exactly what the aggregate queries compute (per-ballot weighted scores, then
per-group counts, means and squared deviations, satisfaction counts, item means and the
level distribution), so tests can score a campaign without a database and check the SQL
against it. Fine for a few thousand ballots; the database does the real runs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from surveys.scoring.combine import ballot_score
from surveys.scoring.config import RoundConfig
from surveys.scoring.inputs import GroupKey, GroupTally, ItemKey, ItemTally, LevelKey, exact_points


@dataclass(frozen=True)
class BallotInput:
    """One ballot: its rater group and its answers as (target id, item id, level id)."""

    id: str
    group_id: int
    ratings: tuple[tuple[int, int, int], ...]
    is_low_trust: bool = False


@dataclass(frozen=True)
class RoundTallies:
    groups: dict[GroupKey, GroupTally]
    items: dict[ItemKey, ItemTally]
    levels: dict[LevelKey, int]


def tally_round(round_: RoundConfig, ballots: Iterable[BallotInput]) -> RoundTallies:
    """Aggregate one round's ballots per (target, group), (target, group, item) and (target, level)."""
    levels = {lv.id: lv for lv in round_.levels}
    weights = {it.id: it.weight for it in round_.items}
    scores: dict[tuple[int, int], list[float]] = defaultdict(list)
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])  # positive, valid, low trust
    item_points: dict[ItemKey, list[float]] = defaultdict(list)
    item_positive: dict[ItemKey, int] = defaultdict(int)
    level_counts: dict[LevelKey, int] = defaultdict(int)
    for ballot in ballots:
        per_target: dict[int, list[tuple[float, float | None]]] = defaultdict(list)
        for target_id, item_id, level_id in ballot.ratings:
            level = levels[level_id]
            level_counts[(round_.id, target_id, level_id)] += 1
            points = None if level.is_excluded else level.points
            per_target[target_id].append((weights[item_id], points))
            if points is None:
                continue
            key = (round_.id, target_id, ballot.group_id, item_id)
            item_points[key].append(points)
            item_positive[key] += level.is_positive
            tallied = counts[(target_id, ballot.group_id)]
            tallied[0] += level.is_positive
            tallied[1] += 1
        for target_id, answers in per_target.items():
            score = ballot_score(answers)
            if score is not None:
                scores[(target_id, ballot.group_id)].append(score)
                counts[(target_id, ballot.group_id)][2] += ballot.is_low_trust
    groups = {
        (round_.id, target_id, group_id): group_tally(values, *counts[(target_id, group_id)])
        for (target_id, group_id), values in scores.items()
    }
    items = {
        key: ItemTally(len(points), sum(map(exact_points, points), Fraction(0)), item_positive[key])
        for key, points in item_points.items()
    }
    return RoundTallies(groups, items, dict(level_counts))


def group_tally(scores: list[float], positive: int, valid: int, low_trust: int) -> GroupTally:
    """A group's tally from its ballot scores (two-pass squared deviations, fsum sums)."""
    centre = math.fsum(scores) / len(scores)
    return GroupTally(
        n=len(scores),
        mean=centre,
        squared_deviations=math.fsum((v - centre) ** 2 for v in scores),
        positive=positive,
        valid=valid,
        low_trust=low_trust,
        scores=tuple(sorted(scores)),
    )
