"""Reading the rectification ledger: who may see a problem, lists, counts, red and black lists.

Scope rule: a unit officer sees exactly the problems assigned to their own unit (not those
of sub-units); everyone else who may read the ledger passes ``unit_id=None``. A problem
outside the reader's scope is reported as not found, so its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, selectinload

from surveys.errors import NotFound
from surveys.i18n import N_
from surveys.models import Attachment, Honour, Problem, ProblemSource, ProblemState, ProblemStep

_WAITING = (ProblemState.OPEN, ProblemState.REOPENED)


@dataclass(frozen=True)
class LedgerCounts:
    """Problems by stage. ``overdue`` overlaps ``open`` and ``in_progress`` (those past their
    deadline still waiting for the unit); withdrawn problems count in none but ``withdrawn``."""

    open: int = 0  #: filed, nothing reported yet
    in_progress: int = 0  #: reported and waiting for a verdict, or reopened by 不满意
    overdue: int = 0
    closed: int = 0
    withdrawn: int = 0

    @property
    def total(self) -> int:
        return self.open + self.in_progress + self.closed


@dataclass(frozen=True)
class Filters:
    """The ledger list's filters; None means any."""

    state: ProblemState | None = None
    source: ProblemSource | None = None
    unit_id: int | None = None
    is_overdue: bool = False


def visible_problem(session: Session, problem_id: int, *, unit_id: int | None) -> Problem:
    """The problem, if the reader may see it: ``unit_id`` is a unit officer's unit, else None."""
    problem = session.get(Problem, problem_id)
    if problem is None or (unit_id is not None and problem.unit_id != unit_id):
        raise NotFound(N_("整改事项不存在"))
    return problem


def visible_attachment(session: Session, attachment_id: int, *, unit_id: int | None) -> Attachment:
    """An attachment, if the reader may see its problem (same rule as ``visible_problem``)."""
    row = session.execute(
        select(Attachment, Problem.unit_id)
        .join(ProblemStep, ProblemStep.id == Attachment.step_id)
        .join(Problem, Problem.id == ProblemStep.problem_id)
        .where(Attachment.id == attachment_id)
    ).first()
    if row is None or (unit_id is not None and row[1] != unit_id):
        raise NotFound(N_("附件不存在"))
    return row[0]


def list_problems(
    session: Session, *, today: date, campaign_id: int | None = None, filters: Filters | None = None
) -> list[Problem]:
    """Problems of a campaign (or of every campaign), nearest deadline first, closed last."""
    filters = filters or Filters()
    stmt = _scoped(select(Problem), campaign_id, filters.unit_id)
    if filters.state is not None:
        stmt = stmt.where(Problem.state == filters.state)
    if filters.source is not None:
        stmt = stmt.where(Problem.source == filters.source)
    if filters.is_overdue:
        stmt = stmt.where(_overdue(today))
    final = case((Problem.state.in_((ProblemState.CLOSED, ProblemState.WITHDRAWN)), 1), else_=0)
    stmt = stmt.order_by(final, Problem.deadline_on, Problem.id).options(
        selectinload(Problem.unit), selectinload(Problem.target), selectinload(Problem.campaign)
    )
    return list(session.scalars(stmt))


def count_problems(
    session: Session, *, today: date, campaign_id: int | None = None, unit_id: int | None = None
) -> LedgerCounts:
    """Open / in progress / overdue / closed / withdrawn counts in one query."""
    return count_by_campaign(session, today=today, campaign_id=campaign_id, unit_id=unit_id).get(None, LedgerCounts())


def count_by_campaign(
    session: Session, *, today: date, campaign_id: int | None = None, unit_id: int | None = None
) -> dict[int | None, LedgerCounts]:
    """Counts per campaign id, and over all of them under the key None."""

    def n(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    stmt = _scoped(
        select(
            Problem.campaign_id,
            n(Problem.state == ProblemState.OPEN),
            n(Problem.state.in_((ProblemState.REPORTED, ProblemState.REOPENED))),
            n(_overdue(today)),
            n(Problem.state == ProblemState.CLOSED),
            n(Problem.state == ProblemState.WITHDRAWN),
        ),
        campaign_id,
        unit_id,
    ).group_by(Problem.campaign_id)
    per_campaign = {row[0]: LedgerCounts(*(int(v) for v in row[1:])) for row in session.execute(stmt)}
    fields = LedgerCounts.__dataclass_fields__
    total = LedgerCounts(*(sum(getattr(c, f) for c in per_campaign.values()) for f in fields))
    return {**per_campaign, None: total}


def honour_lists(session: Session, campaign_id: int) -> tuple[list[Problem], list[Problem]]:
    """The campaign's red list (exemplary rectifications) and black list (poor ones), by unit."""
    stmt = (
        select(Problem)
        .where(Problem.campaign_id == campaign_id, Problem.honour.is_not(None))
        .order_by(Problem.unit_id, Problem.id)
        .options(selectinload(Problem.unit), selectinload(Problem.target))
    )
    problems = list(session.scalars(stmt))
    return [p for p in problems if p.honour is Honour.RED], [p for p in problems if p.honour is Honour.BLACK]


def problems_for_target(session: Session, target_id: int) -> list[Problem]:
    """A target's problems for its drill-down, withdrawn ones left out, newest first."""
    stmt = (
        select(Problem)
        .where(Problem.target_id == target_id, Problem.state != ProblemState.WITHDRAWN)
        .order_by(Problem.id.desc())
    )
    return list(session.scalars(stmt))


def _overdue(today: date):
    return Problem.state.in_(_WAITING) & (Problem.deadline_on < today)


def _scoped(stmt: Select, campaign_id: int | None, unit_id: int | None) -> Select:
    if campaign_id is not None:
        stmt = stmt.where(Problem.campaign_id == campaign_id)
    if unit_id is not None:
        stmt = stmt.where(Problem.unit_id == unit_id)
    return stmt
