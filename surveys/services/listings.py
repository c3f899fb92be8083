"""What the pages list of a campaign or a round: its scoring runs, its targets (as select
options, by code), its categories and the campaigns rating a unit, a round's terminals.

Reads only: nothing here writes, flushes or commits. Each answer is in the order a page
shows it, so two pages listing the same thing list it alike.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from surveys.models import Category, CodeBatch, RunState, ScoringRun, Target, Terminal

# --- scoring runs ---------------------------------------------------------------------------


def runs_of(session: Session, campaign_id: int) -> list[ScoringRun]:
    """Every stored run of a campaign, oldest first."""
    stmt = select(ScoringRun).where(ScoringRun.campaign_id == campaign_id).order_by(ScoringRun.id)
    return list(session.scalars(stmt))


def run_before(session: Session, run: ScoringRun) -> ScoringRun | None:
    """The campaign's run stored just before ``run``, to compare it with."""
    stmt = (
        select(ScoringRun)
        .where(ScoringRun.campaign_id == run.campaign_id, ScoringRun.id < run.id)
        .order_by(ScoringRun.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def newest_run_in(session: Session, campaign_id: int, states: Collection[RunState]) -> ScoringRun | None:
    """The campaign's newest run in one of ``states``; its (large) result is loaded on first use."""
    stmt = (
        select(ScoringRun)
        .options(defer(ScoringRun.result))
        .where(ScoringRun.campaign_id == campaign_id, ScoringRun.state.in_(states))
        .order_by(ScoringRun.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


# --- targets --------------------------------------------------------------------------------


def target_choices(session: Session, campaign_id: int) -> list[tuple[int, str, str]]:
    """A campaign's targets as ``(id, code, name)``, by code: the options of a target select."""
    stmt = select(Target.id, Target.code, Target.name).where(Target.campaign_id == campaign_id).order_by(Target.code)
    return [(target_id, code, name) for target_id, code, name in session.execute(stmt)]


def target_ids_by_code(session: Session, campaign_id: int) -> dict[str, int]:
    """A campaign's target ids by code: a stored run names targets by code, links need ids."""
    stmt = select(Target.code, Target.id).where(Target.campaign_id == campaign_id)
    return {code: target_id for code, target_id in session.execute(stmt)}


def target_by_code(session: Session, campaign_id: int, code: str) -> Target | None:
    """The campaign's target with this code (编号), if any."""
    stmt = select(Target).where(Target.campaign_id == campaign_id, Target.code == code)
    return session.scalar(stmt)


# --- what a campaign rates ------------------------------------------------------------------


def category_names(session: Session, campaign_id: int) -> list[str]:
    """The names of a campaign's categories, as stored (offered while typing a target's)."""
    return list(session.scalars(select(Category.name).where(Category.campaign_id == campaign_id)))


def campaigns_rating_unit(session: Session, unit_id: int) -> set[int]:
    """The ids of the campaigns with at least one target in the unit."""
    return set(session.scalars(select(Target.campaign_id).where(Target.unit_id == unit_id).distinct()))


# --- terminals ------------------------------------------------------------------------------


def terminals_of_round(session: Session, round_id: int) -> list[Terminal]:
    """A round's window terminals, in the order they were registered."""
    stmt = select(Terminal).join(CodeBatch).where(CodeBatch.round_id == round_id).order_by(Terminal.id)
    return list(session.scalars(stmt))


def terminal_of_batch(session: Session, batch_id: int) -> Terminal | None:
    """The terminal that hands out a batch's codes one by one, if the batch is a terminal's."""
    return session.scalar(select(Terminal).where(Terminal.batch_id == batch_id))
