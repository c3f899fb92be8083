"""Synthetic ballots for the demo, cast through the real casting service.

The spread is meant to look like a real poll: most section chiefs do well, a few do
poorly, internal raters are a little harsher, and some answers are 不了解.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.models import Round, RoundStatus, Target
from surveys.services import issuing
from surveys.services.casting import Answers, cast_ballot
from surveys.services.issuing import CodeKeys

#: Share of answers that are 不了解 when the scale has it.
UNKNOWN_SHARE = 0.06
#: Share of targets whose service is poor; they will fill the bottom of the ranking.
POOR_SHARE = 0.04
COMMENTS = (
    "办事效率高，态度热情。",
    "希望进一步简化办事流程，减少跑腿次数。",
    "窗口工作人员耐心细致，点赞！",
    "电话经常无人接听，希望改进。",
    "政策解释不够清楚，第一次来不知道要带哪些材料。",
    "排队时间太长，建议增加窗口。",
)


@dataclass(frozen=True)
class PlannedBallot:
    code: str
    answers: Answers
    comments: dict[int, str]


def plan(
    session: Session, count: int, keys: CodeKeys, *, seed: int, now: datetime, round_ids: Collection[int] | None = None
) -> list[PlannedBallot]:
    """Issue codes (one batch per rater group and unit) for the open rounds (or those of
    ``round_ids``) and draw answers.

    Each code rates the section chiefs of one unit, as a citizen who visited that department
    would. Flushes the batches; the caller commits before casting.
    """
    rng = random.Random(seed)  # noqa: S311 - demo data, reproducible by design  # nosec B311
    stmt = select(Round).where(Round.status == RoundStatus.OPEN).order_by(Round.id)
    if round_ids is not None:
        stmt = stmt.where(Round.id.in_(list(round_ids)))
    open_rounds = list(session.scalars(stmt))
    if not open_rounds or count <= 0:
        return []
    planned = []
    for round_ in open_rounds:
        targets = list(session.scalars(select(Target).where(Target.campaign_id == round_.campaign_id)))
        quality = {t.id: draw_quality(rng) for t in targets}
        by_unit: dict[int, list[Target]] = {}
        for target in targets:
            by_unit.setdefault(target.unit_id, []).append(target)
        weights = [g.weight for g in round_.groups]
        draws: dict[tuple[int, int], int] = {}
        for _ in range(count // len(open_rounds)):
            group = rng.choices(round_.groups, weights)[0]
            unit_id = rng.choice(sorted(by_unit))
            draws[group.id, unit_id] = draws.get((group.id, unit_id), 0) + 1
        levels = round_.questionnaire.levels
        for (group_id, unit_id), n in sorted(draws.items()):
            _batch, codes = issuing.issue_batch(
                session, round_.id, group_id, n, keys, now=now, actor_id=None, unit_id=unit_id, label="演示"
            )
            for code in codes:
                answers = {
                    t.id: draw_answers(rng, quality[t.id], round_.questionnaire.items, levels) for t in by_unit[unit_id]
                }
                answers = {tid: a for tid, a in answers.items() if a}
                comments = {t: rng.choice(COMMENTS) for t in answers if rng.random() < 0.05}
                planned.append(PlannedBallot(code, answers, comments))
    rng.shuffle(planned)
    return planned


def cast(session: Session, planned: list[PlannedBallot], keys: CodeKeys, *, now: datetime) -> Iterator[int]:
    """Cast each planned ballot in its own transaction; yields after each one (for progress)."""
    for ballot in planned:
        session.commit()  # each cast starts a fresh transaction, as a request would
        cast_ballot(session, ballot.code, ballot.answers, ballot.comments, keys, now=now)
        yield 1
    session.commit()


def draw_quality(rng: random.Random) -> float:
    """Probability that an answer is positive: most targets good, a few poor."""
    if rng.random() < POOR_SHARE:
        return rng.uniform(0.25, 0.5)
    return min(0.97, rng.betavariate(9, 1.6))


def draw_answers(rng: random.Random, quality: float, items, levels) -> dict[int, int]:
    counted = [lv for lv in levels if not lv.is_excluded]
    unknown = next((lv for lv in levels if lv.is_excluded), None)
    answers = {}
    for item in items:
        if unknown is not None and rng.random() < UNKNOWN_SHARE:
            answers[item.id] = unknown.id
            continue
        # Position 0 is the best level; a good target mostly gets the top two.
        spread = max(0.0, rng.gauss(1 - quality, 0.12))
        index = min(len(counted) - 1, int(spread * len(counted) * 1.6))
        answers[item.id] = counted[index].id
    return answers
