"""Reads behind the leaders' results pages: who may see which targets, turnout while a
round is open, comments, and which component is the internal or the external round.

Reads only; the scores themselves come from a stored run through ``scoring.display.shown``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.models import Campaign, Comment, Component, Round, RoundStatus, Target
from surveys.scoring.sql.integrity import round_integrity
from surveys.services.scoring_runs import load_rules, round_config


def unit_codes(session: Session, campaign_id: int, unit_id: int | None) -> set[str]:
    """The codes of a campaign's targets that belong to one unit (none for no unit)."""
    if unit_id is None:
        return set()
    stmt = select(Target.code).where(Target.campaign_id == campaign_id, Target.unit_id == unit_id)
    return set(session.scalars(stmt))


def has_open_round(campaign: Campaign) -> bool:
    """While a round is open, pages show turnout only, never per-target results (section 5)."""
    return any(r.status is RoundStatus.OPEN for r in campaign.rounds)


def turnout(session: Session, campaign: Campaign) -> list[dict]:
    """Codes issued / used / void per rater group and per batch, and ballots per group, of
    every round that has opened, whether or not it counts in the score (a poster round may
    not): open rounds first (``integrity.round_integrity``, without the per-ballot figures)."""
    burst_per_day = load_rules(session, campaign.id).burst_per_day
    opened = [r for r in campaign.rounds if r.status is not RoundStatus.DRAFT]
    opened.sort(key=lambda r: (r.status is not RoundStatus.OPEN, r.id))
    return [
        {
            **round_integrity(session, round_config(r), burst_per_day=burst_per_day, straight_lined={}),
            "is_open": r.status is RoundStatus.OPEN,
        }
        for r in opened
    ]


def comments_on(session: Session, target_id: int) -> list[str]:
    """The comments left about a target in its closed rounds, in random order, without time.

    Comment ids are random (uuid4), so their order is random and stays the same between two
    views of the page. Whether to show them at all is the caller's call (enough ballots).
    """
    stmt = (
        select(Comment.text)
        .join(Round, Round.id == Comment.round_id)
        .where(Comment.target_id == target_id, Round.status == RoundStatus.CLOSED)
        .order_by(Comment.id)
    )
    return list(session.scalars(stmt))


def component_round_kinds(session: Session, campaign_id: int) -> dict[str, str]:
    """Component name → the kind of its round (``internal`` / ``external``)."""
    stmt = (
        select(Component.name, Round.kind)
        .join(Round, Round.id == Component.round_id)
        .where(Component.campaign_id == campaign_id)
    )
    return {name: kind.value for name, kind in session.execute(stmt)}
