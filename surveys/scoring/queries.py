"""The aggregate SQL a scoring run reads: a few statements per round, portable SQLite/PostgreSQL.

The database does the heavy lifting. Per (ballot, target) it forms the weighted sums
Σ w·p and Σ w over the valid (non-不了解) answers, so the ballot score is Σ w·p / Σ w;
per (target, group) it then counts ballots and sums scores, positive and valid answers.
Weights and points are cast to float8: exact NUMERIC arithmetic is several times slower
on PostgreSQL and buys nothing here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Double, Integer, case, cast, func, literal_column, null, select, union_all
from sqlalchemy.orm import Session

from surveys.models import Ballot, ImportedScore, Item, Level, Rating, Veto
from surveys.scoring.config import CampaignConfig, RoundConfig, TargetInfo
from surveys.scoring.inputs import GroupTally, Inputs, ItemTally
from surveys.scoring.tally import group_tally

_r, _b, _i, _l = Rating.__table__, Ballot.__table__, Item.__table__, Level.__table__


@dataclass(frozen=True)
class Readings:
    inputs: Inputs
    #: round id → group id → straight-lined ballots (an integrity figure, not a scoring input)
    straight_lined: dict[int, dict[int, int]]


def read_inputs(
    session: Session, campaign_id: int, config: CampaignConfig, targets: tuple[TargetInfo, ...]
) -> Readings:
    """Every aggregate the scoring of ``config`` needs, read in the session's transaction.

    Two passes over each round's ratings: the per-ballot statement (group tallies and the
    straight-lined ballots) and the answer counts.
    """
    groups, items, levels, straight = {}, {}, {}, {}
    for round_ in config.rounds:
        round_groups, straight[round_.id] = _ballot_statement(session, round_)
        groups.update(round_groups)
        round_items, round_levels = _answers(session, round_)
        items.update(round_items)
        levels.update(round_levels)
    inputs = Inputs(
        targets=targets,
        groups=groups,
        items=items,
        levels=levels,
        imported=_imported(session, [c.id for c in config.components if c.kind == "imported"]),
        vetoes=_vetoes(session, campaign_id),
    )
    return Readings(inputs, straight)


def ballot_scores(round_id: int, *, is_postgres: bool = False):
    """Per (ballot, target): group, score, positive, valid and all answers, lowest and highest level.

    The score Σ w·p / Σ w runs over the valid answers only: 不了解 has no points (a CHECK
    constraint guarantees it), so w·p is NULL and SUM skips it, and its weight is left out
    of the denominator. A (ballot, target) with no valid answer has a NULL score and
    valid = 0; it is kept here only for the straight-lining count. The group and the
    low-trust mark come along by MAX (one value per ballot). On PostgreSQL the ballot id is
    grouped in the "C" collation: byte order sorts faster than a locale's rules (about 25%
    here), and the order of a group-by does not matter.
    """
    ballot_id = _r.c.ballot_id.collate("C") if is_postgres else _r.c.ballot_id
    weight = cast(_i.c.weight, Double)
    points = cast(_l.c.points, Double)
    return (
        select(
            ballot_id.label("ballot_id"),
            _r.c.target_id,
            func.max(_b.c.group_id).label("group_id"),
            (func.sum(weight * points) / func.sum(case((~_l.c.is_excluded, weight)))).label("score"),
            func.sum(case((_l.c.is_positive, 1), else_=0)).label("positive"),
            func.count(_l.c.points).label("valid"),
            func.count().label("answers"),
            func.min(_r.c.level_id).label("low_level"),
            func.max(_r.c.level_id).label("high_level"),
            func.max(case((_b.c.is_low_trust, 1), else_=0)).label("low_trust"),
        )
        .select_from(
            _r.join(_b, _b.c.id == _r.c.ballot_id).join(_i, _i.c.id == _r.c.item_id).join(_l, _l.c.id == _r.c.level_id)
        )
        .where(_b.c.round_id == round_id)
        .group_by(ballot_id, _r.c.target_id)
    )


def _ballot_statement(session: Session, round_: RoundConfig):
    """One statement: the per-ballot rows are formed once (a CTE used several times is
    materialised by both databases) and both the group tallies and the straight-lined
    ballots are read from them, in one result (``kind`` 0 and 1)."""
    is_postgres = session.get_bind().dialect.name == "postgresql"
    scores = ballot_scores(round_.id, is_postgres=is_postgres).cte("ballot_scores")
    none_f, none_i = cast(null(), Double), cast(null(), Integer)
    # straight-lined: at least two answers, all at one level (不了解 included)
    per_ballot = (
        select(func.max(scores.c.group_id).label("group_id"))
        .group_by(scores.c.ballot_id)
        .having((func.sum(scores.c.answers) >= 2) & (func.min(scores.c.low_level) == func.max(scores.c.high_level)))
        .subquery()
    )
    straight = select(
        literal_column("1").label("kind"),
        none_i,
        per_ballot.c.group_id,
        func.count(),
        none_f,
        none_i,
        none_i,
        none_i,
        none_f,
    ).group_by(per_ballot.c.group_id)
    counted = scores.c.valid > 0
    if round_.aggregation == "mean":
        main = _group_sums(scores, counted)
    else:  # median and trimmed mean need every ballot score: one row per ballot, n = 1, total = its score
        main = select(
            literal_column("0").label("kind"),
            scores.c.target_id,
            scores.c.group_id,
            literal_column("1"),
            scores.c.score,
            scores.c.positive,
            scores.c.valid,
            scores.c.low_trust,
            none_f,
        ).where(counted)
    groups: dict[tuple[int, int], list] = defaultdict(lambda: [[], 0, 0, 0, None])
    straight_lined: dict[int, int] = {}
    for kind, target_id, group_id, n, total, positive, valid, low_trust, squares in session.execute(
        union_all(main, straight)
    ):
        if kind == 1:
            straight_lined[group_id] = int(n)
            continue
        tallied = groups[(target_id, group_id)]
        tallied[0].append((int(n), float(total)))
        tallied[1] += int(positive)
        tallied[2] += int(valid)
        tallied[3] += int(low_trust)
        tallied[4] = squares
    tallies = {}
    for (target_id, group_id), (parts, positive, valid, low_trust, squares) in groups.items():
        key = (round_.id, target_id, group_id)
        if round_.aggregation == "mean":
            ((n, total),) = parts
            tallies[key] = GroupTally(n, total / n, float(squares), positive, valid, low_trust)
        else:
            tallies[key] = group_tally([score for _n, score in parts], positive, valid, low_trust)
    return tallies, straight_lined


def _group_sums(scores, counted):
    """Mean aggregation: n, Σ score and Σ (score − mean)² per (target, group), all in SQL.

    The squared deviations are summed in a second pass around the group mean rather than
    as Σs² − n·mean²: the latter cancels catastrophically when the scores agree, and its
    rounding noise would differ between SQLite and PostgreSQL.
    """
    sums = (
        select(
            scores.c.target_id,
            scores.c.group_id,
            func.count().label("n"),
            func.sum(scores.c.score).label("total"),
            func.sum(scores.c.positive).label("positive"),
            func.sum(scores.c.valid).label("valid"),
            func.sum(scores.c.low_trust).label("low_trust"),
        )
        .where(counted)
        .group_by(scores.c.target_id, scores.c.group_id)
        .cte("group_sums")
    )
    deviation = scores.c.score - sums.c.total / sums.c.n
    return (
        select(literal_column("0").label("kind"), *sums.c, func.sum(deviation * deviation).label("squares"))
        .join(scores, (scores.c.target_id == sums.c.target_id) & (scores.c.group_id == sums.c.group_id))
        .where(counted)
        .group_by(*sums.c)
    )


def _answers(session: Session, round_: RoundConfig):
    """Answers per (target, group, item, level): the item means and the level distribution.

    Points and positive levels come from the round's configuration, the same the ballot
    scores were computed with (the run checks the tables still match the frozen copy).
    """
    stmt = (
        select(_r.c.target_id, _b.c.group_id, _r.c.item_id, _r.c.level_id, func.count())
        .select_from(_r.join(_b, _b.c.id == _r.c.ballot_id))
        .where(_b.c.round_id == round_.id)
        .group_by(_r.c.target_id, _b.c.group_id, _r.c.item_id, _r.c.level_id)
    )
    levels = {lv.id: lv for lv in round_.levels}
    item_sums: dict[tuple, list] = defaultdict(lambda: [0, [], 0])  # answers, points × count, positive
    level_counts: dict[tuple[int, int, int], int] = defaultdict(int)
    for target_id, group_id, item_id, level_id, count in session.execute(stmt):
        count = int(count)
        level = levels[level_id]
        level_counts[(round_.id, target_id, level_id)] += count
        if level.is_excluded:
            continue
        tallied = item_sums[(round_.id, target_id, group_id, item_id)]
        tallied[0] += count
        tallied[1].append(level.points * count)
        tallied[2] += count if level.is_positive else 0
    items = {key: ItemTally(n, math.fsum(parts) / n, positive) for key, (n, parts, positive) in item_sums.items()}
    return items, dict(level_counts)


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
