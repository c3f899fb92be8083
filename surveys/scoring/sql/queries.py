"""The aggregates a scoring run reads: one statement per round, portable SQLite/PostgreSQL.

The statement (``round_sql``) reads each rating row once; this module turns its rows into
the tallies ``evaluate`` scores: group tallies, item tallies, the level distribution and
the straight-lined ballots. Points and positive levels for the item means come from the
round's configuration, the same the ballot scores were computed with (the run checks the
tables still match the frozen copy).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.enums import Aggregation, ComponentKind
from surveys.models import ImportedScore, Veto
from surveys.scoring.config import CampaignConfig, RoundConfig, TargetInfo
from surveys.scoring.inputs import GroupTally, Inputs, ItemTally, exact_points
from surveys.scoring.sql.round_sql import COLUMNS, round_statement
from surveys.scoring.tally import group_tally


@dataclass(frozen=True)
class Readings:
    inputs: Inputs
    #: round id → group id → straight-lined ballots (an integrity figure, not a scoring input)
    straight_lined: dict[int, dict[int, int]]


def read_inputs(
    session: Session, campaign_id: int, config: CampaignConfig, targets: tuple[TargetInfo, ...]
) -> Readings:
    """Every aggregate the scoring of ``config`` needs, read in the session's transaction.

    One statement per round, one pass over its ratings (see ``round_sql``).
    """
    groups, items, levels, straight = {}, {}, {}, {}
    is_postgres = session.get_bind().dialect.name == "postgresql"
    for round_ in config.rounds:
        read = _read_round(session, round_, is_postgres=is_postgres)
        groups.update(read.groups)
        items.update(read.items)
        levels.update(read.levels)
        straight[round_.id] = read.straight_lined
    inputs = Inputs(
        targets=targets,
        groups=groups,
        items=items,
        levels=levels,
        imported=_imported(session, [c.id for c in config.components if c.kind is ComponentKind.IMPORTED]),
        vetoes=_vetoes(session, campaign_id),
    )
    return Readings(inputs, straight)


@dataclass(frozen=True)
class _RoundRead:
    groups: dict
    items: dict
    levels: dict
    straight_lined: dict[int, int]


def _read_round(session: Session, round_: RoundConfig, *, is_postgres: bool) -> _RoundRead:
    stmt, pairs = round_statement(round_, is_postgres=is_postgres)
    width = len(COLUMNS)
    sums: dict[tuple[int, int], tuple] = {}
    scores: dict[tuple[int, int], list[float]] = defaultdict(list)
    straight: dict[int, int] = {}
    items: dict[tuple, ItemTally] = {}
    levels: dict[tuple[int, int, int], int] = defaultdict(int)
    for row in session.execute(stmt).all():
        kind, target_id, group_id, n, total, squares, low_trust = row[:width]
        if kind == 1:
            straight[group_id] = int(n)
        elif kind == 2:
            scores[(target_id, group_id)].append(float(total))
        else:
            positive, valid = _answers(round_, target_id, group_id, zip(pairs, row[width:], strict=True), items, levels)
            sums[(target_id, group_id)] = (int(n), total, squares, positive, valid, int(low_trust))
    groups = {}
    for (target_id, group_id), (n, total, squares, positive, valid, low_trust) in sums.items():
        if n == 0:  # only 不了解 from this group: in the level distribution, not a group score
            continue
        key = (round_.id, target_id, group_id)
        if round_.aggregation is Aggregation.MEAN:
            groups[key] = GroupTally(n, float(total) / n, float(squares), positive, valid, low_trust)
        else:
            groups[key] = group_tally(scores[(target_id, group_id)], positive, valid, low_trust)
    return _RoundRead(groups, items, dict(levels), straight)


def _answers(round_: RoundConfig, target_id: int, group_id: int, counted, items: dict, levels: dict) -> tuple[int, int]:
    """File one (target, group)'s answer counts per (item, level); returns its positive and valid answers.

    An item with no valid answer from the group has no tally; levels with no answer are
    left out of the distribution.
    """
    per_item: dict[int, list] = defaultdict(lambda: [0, Fraction(0), 0])  # answers, Σ points × count, positive
    for slot, count in counted:
        if not count:
            continue
        level = slot.level
        levels[(round_.id, target_id, level.id)] += count
        if level.is_excluded:
            continue
        tallied = per_item[slot.item_id]
        tallied[0] += count
        tallied[1] += exact_points(level.points) * count
        tallied[2] += count if level.is_positive else 0
    positive = valid = 0
    for item_id, (n, total, item_positive) in per_item.items():
        items[(round_.id, target_id, group_id, item_id)] = ItemTally(n, total, item_positive)
        positive += item_positive
        valid += n
    return positive, valid


def _imported(session: Session, component_ids: list[int]) -> dict[tuple[int, int], tuple[float, float]]:
    if not component_ids:
        return {}
    stmt = select(
        ImportedScore.component_id, ImportedScore.target_id, ImportedScore.score, ImportedScore.max_score
    ).where(ImportedScore.component_id.in_(component_ids))
    return {(c, t): (float(score), float(top)) for c, t, score, top in session.execute(stmt)}


def _vetoes(session: Session, campaign_id: int) -> dict[int, tuple[str, ...]]:
    stmt = select(Veto.target_id, Veto.reason).where(Veto.campaign_id == campaign_id)
    reasons: dict[int, list[str]] = defaultdict(list)
    for target_id, reason in session.execute(stmt.order_by(Veto.recorded_at, Veto.id)):
        reasons[target_id].append(reason)
    return {t: tuple(r) for t, r in reasons.items()}
