"""Where problems come from besides inspections: raters' comments and low-scoring items.

Comments (DESIGN.md section 5): an organiser may pick only comments of closed rounds, and
only for a target with at least the campaign's suppression threshold of ballots in that
round. They are offered in random order, without time, and a problem keeps a copy of the
chosen texts (sorted by text), never a link to a comment, which would lead to a ballot.

Low items come from the campaign's latest stored scoring run as pages may show it
(``display.shown``): an item whose figures are suppressed is never offered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.errors import DomainError, NotFound
from surveys.i18n import N_
from surveys.models import Ballot, Campaign, Comment, Problem, ProblemSource, Rating, Round, RoundStatus, Target
from surveys.scoring.display import shown
from surveys.services.lookup import get
from surveys.services.problems import ProblemFields, file_problem
from surveys.services.scoring_runs import latest_run, load_rules

_rng = random.SystemRandom()


@dataclass(frozen=True)
class CommentChoice:
    """A comment as the picking page shows it: its random id (for the checkbox) and text."""

    id: str
    text: str


@dataclass(frozen=True)
class LowItem:
    component: str
    code: str
    text: str
    mean: float
    n: int


def eligible_rounds(session: Session, campaign_id: int, target_id: int) -> list[int]:
    """Closed rounds of the campaign in which the target has at least the threshold of ballots."""
    below = load_rules(session, campaign_id).suppress_below
    stmt = (
        select(Ballot.round_id)
        .join(Rating, Rating.ballot_id == Ballot.id)
        .join(Round, Round.id == Ballot.round_id)
        .where(Round.campaign_id == campaign_id, Round.status == RoundStatus.CLOSED, Rating.target_id == target_id)
        .group_by(Ballot.round_id)
        .having(func.count(func.distinct(Ballot.id)) >= below)
    )
    return list(session.scalars(stmt))


def comment_choices(session: Session, campaign_id: int, target_id: int) -> list[CommentChoice]:
    """The target's comments that may be quoted, shuffled afresh on every call."""
    target = _target_of(session, campaign_id, target_id)
    rounds = eligible_rounds(session, campaign_id, target.id)
    if not rounds:
        return []
    stmt = select(Comment.id, Comment.text).where(Comment.target_id == target.id, Comment.round_id.in_(rounds))
    choices = [CommentChoice(cid, text) for cid, text in session.execute(stmt)]
    _rng.shuffle(choices)
    return choices


def file_from_comments(
    session: Session,
    campaign_id: int,
    comment_ids: list[str],
    fields: ProblemFields,
    *,
    today: date,
    now: datetime,
    actor_id: int | None,
) -> Problem:
    """File a problem quoting one or several comments about ``fields.target_id``."""
    offered = {c.id: c.text for c in comment_choices(session, campaign_id, fields.target_id or 0)}
    chosen = set(comment_ids)
    if not chosen:
        raise DomainError(N_("请至少选择一条评议意见"))
    if not chosen <= offered.keys():
        raise DomainError(N_("所选评议意见不可用，请重新选择"))
    quote = "\n".join(sorted({offered[cid].strip() for cid in chosen}))
    return file_problem(
        session, campaign_id, fields, ProblemSource.COMMENT, quote=quote, today=today, now=now, actor_id=actor_id
    )


def low_items(session: Session, campaign_id: int, target_id: int, below: float) -> list[LowItem]:
    """The target's items whose mean in the latest stored run is below ``below``, lowest first.

    An item's mean combines the groups shown for the target (weighted by their answers);
    suppressed groups add nothing.
    """
    target = _target_of(session, campaign_id, target_id)
    run = latest_run(session, campaign_id)
    if run is None:
        return []
    view = shown(run.result)
    entry = next((t for t in view["targets"] if t["code"] == target.code), None)
    texts = _item_texts(view["config"])
    items = []
    for component in entry["components"] if entry else []:
        sums: dict[str, list[float]] = {}
        for group in component.get("groups", []):
            for item in group.get("items", []):
                if item["mean"] is not None and item["n"]:
                    total = sums.setdefault(item["code"], [0.0, 0])
                    total[0] += item["mean"] * item["n"]
                    total[1] += item["n"]
        for code, (points, n) in sums.items():
            mean = points / n
            if mean < below:
                text = texts.get((component["name"], code), code)
                items.append(LowItem(component["name"], code, text, round(mean, 2), n))
    return sorted(items, key=lambda item: (item.mean, item.component, item.code))


def file_from_low_item(
    session: Session,
    campaign_id: int,
    component: str,
    code: str,
    below: float,
    fields: ProblemFields,
    *,
    today: date,
    now: datetime,
    actor_id: int | None,
) -> Problem:
    """File a problem about a low item; the item's figures are written into the description."""
    candidates = low_items(session, campaign_id, fields.target_id or 0, below)
    item = next((i for i in candidates if (i.component, i.code) == (component, code)), None)
    if item is None:
        raise DomainError(N_("该测评指标不在低分项中，请重新选择"))
    facts = f"【{item.component}】{item.text}（{item.code}）平均 {item.mean:.2f} 分，{item.n} 条有效评价"
    description = f"{facts}\n{fields.description.strip()}".strip()
    fields = ProblemFields(fields.title, description, fields.deadline_on, fields.unit_id, fields.target_id)
    return file_problem(session, campaign_id, fields, ProblemSource.LOW_ITEM, today=today, now=now, actor_id=actor_id)


def _target_of(session: Session, campaign_id: int, target_id: int) -> Target:
    campaign = get(session, Campaign, campaign_id)
    target = session.get(Target, target_id) if target_id else None
    if target is None or target.campaign_id != campaign.id:
        raise NotFound(N_("评议对象不存在"))
    return target


def _item_texts(config: dict) -> dict[tuple[str, str], str]:
    return {
        (component["name"], item["code"]): item["text"]
        for component in config["components"]
        if component.get("round")
        for item in component["round"]["items"]
    }
