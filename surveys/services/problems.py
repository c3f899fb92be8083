"""Use cases of the rectification ledger: file, report, verify, withdraw, red and black lists.

Every change of state goes through ``ProblemState.move_to`` (illegal moves raise Conflict)
and is audited with what it changed. Deadlines are days (``*_on``); ``today`` and ``now``
are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.errors import Conflict, DomainError
from surveys.i18n import N_
from surveys.models import (
    AuditEntry,
    Campaign,
    Honour,
    Problem,
    ProblemSource,
    ProblemState,
    ProblemStep,
    StepKind,
    Target,
    Unit,
    User,
    Verdict,
)
from surveys.services import audit
from surveys.services.attachments import Upload, check_uploads
from surveys.services.ledger import visible_problem
from surveys.services.lookup import get
from surveys.services.validate import required_text

MAX_TEXT = 5000
_WITHDRAW = "problem.withdraw"  #: the audit action that keeps a withdrawal's reason


@dataclass(frozen=True)
class ProblemFields:
    """What an organiser types when filing a problem; the unit defaults to the target's."""

    title: str
    description: str
    deadline_on: date | None
    unit_id: int | None = None
    target_id: int | None = None


def file_problem(
    session: Session,
    campaign_id: int,
    fields: ProblemFields,
    source: ProblemSource,
    *,
    quote: str = "",
    today: date,
    now: datetime,
    actor_id: int | None,
) -> Problem:
    """Put a problem on the campaign's ledger, assigned to a unit with a deadline.

    The target, if given, must be one of the campaign's and belong to the unit. The
    deadline cannot lie in the past.
    """
    campaign = get(session, Campaign, campaign_id)
    target = get(session, Target, fields.target_id) if fields.target_id else None
    if target is not None and target.campaign_id != campaign.id:
        raise DomainError(N_("评议对象不属于该评议活动"))
    unit_id = fields.unit_id or (target.unit_id if target else None)
    if unit_id is None:
        raise DomainError(N_("请选择责任单位"))
    unit = get(session, Unit, unit_id)
    if target is not None and target.unit_id != unit.id:
        raise DomainError(N_("评议对象“%(name)s”不属于责任单位“%(unit)s”"), name=target.name, unit=unit.name)
    problem = Problem(
        campaign_id=campaign.id,
        unit_id=unit.id,
        target_id=target.id if target else None,
        source=source,
        title=required_text(fields.title, 100, N_("问题标题")),
        description=_optional_text(fields.description, N_("问题描述")),
        quote=quote,
        state=ProblemState.OPEN,
        deadline_on=_deadline(fields.deadline_on, today),
        created_at=now,
        created_by=actor_id,
        honour_note="",
    )
    session.add(problem)
    audit.record(
        session,
        "problem.file",
        now=now,
        actor_id=actor_id,
        obj=problem,
        summary=problem.title,
        after={
            "state": problem.state.value,
            "source": source.value,
            "unit": unit.name,
            "target": target.code if target else None,
            "deadline_on": problem.deadline_on.isoformat(),
        },
    )
    return problem


def report(
    session: Session,
    problem_id: int,
    text: str,
    uploads: list[Upload],
    *,
    unit_id: int,
    max_bytes: int,
    now: datetime,
    actor_id: int | None,
) -> ProblemStep:
    """The unit's rectification report, with its files; the problem then waits for a verdict.

    Only the problem's own unit reports: another unit's problem is NotFound. Files are
    checked by content before anything is written.
    """
    problem = visible_problem(session, problem_id, unit_id=unit_id)
    new_state = problem.state.move_to(ProblemState.REPORTED)
    text = required_text(text, MAX_TEXT, N_("整改情况"))
    attachments = check_uploads(uploads, max_bytes=max_bytes)
    step = ProblemStep(kind=StepKind.REPORT, text=text, at=now, actor_id=actor_id, attachments=attachments)
    problem.steps.append(step)
    diff = audit.apply_changes(problem, {"state": new_state})
    files = [{"name": a.filename, "type": a.content_type, "size": a.size} for a in attachments]
    who = {"now": now, "actor_id": actor_id, "obj": problem, "summary": problem.title}
    audit.record(session, "problem.report", files=files, **who, **diff)
    return step


def verify(
    session: Session,
    problem_id: int,
    verdict: Verdict,
    text: str,
    new_deadline_on: date | None,
    *,
    today: date,
    now: datetime,
    actor_id: int | None,
) -> Problem:
    """Judge a reported rectification (核验).

    满意 and 基本满意 close the problem (销号) with who and when; 不满意 reopens it with a
    new deadline, which is required and cannot lie in the past.
    """
    problem = get(session, Problem, problem_id)
    state = problem.state.move_to(ProblemState.CLOSED if verdict.closes else ProblemState.REOPENED)
    values: dict = {"verdict": verdict, "state": state}
    if verdict.closes:
        values |= {"closed_at": now, "closed_by": actor_id}
        new_deadline_on = None
    else:
        new_deadline_on = values["deadline_on"] = _deadline(new_deadline_on, today)
    step = ProblemStep(
        kind=StepKind.VERDICT,
        text=_optional_text(text, N_("核验意见")),
        verdict=verdict,
        deadline_on=new_deadline_on,
        at=now,
        actor_id=actor_id,
    )
    problem.steps.append(step)
    diff = audit.apply_changes(problem, values)
    audit.record(session, "problem.verify", now=now, actor_id=actor_id, obj=problem, summary=problem.title, **diff)
    return problem


def withdraw(session: Session, problem_id: int, reason: str, *, now: datetime, actor_id: int | None) -> Problem:
    """Take a problem filed in error off the ledger; the reason stays in the audit log."""
    problem = get(session, Problem, problem_id)
    reason = required_text(reason, 300, N_("撤销理由"))
    values = {"state": problem.state.move_to(ProblemState.WITHDRAWN), "honour": None, "honour_note": ""}
    diff = audit.apply_changes(problem, values)
    who = {"now": now, "actor_id": actor_id, "obj": problem, "summary": problem.title}
    audit.record(session, _WITHDRAW, reason=reason, **who, **diff)
    return problem


@dataclass(frozen=True)
class Withdrawal:
    """Why, when and by whom a problem was withdrawn."""

    reason: str
    at: datetime
    actor: User | None


def withdrawal(session: Session, problem: Problem) -> Withdrawal | None:
    """How a withdrawn problem was withdrawn; None if it is not withdrawn.

    Read from the audit entry ``withdraw`` wrote, the only place the reason is kept; a
    withdrawal is final, so there is at most one.
    """
    if problem.state is not ProblemState.WITHDRAWN:
        return None
    entry = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == Problem.__tablename__, AuditEntry.object_id == problem.id)
        .where(AuditEntry.action == _WITHDRAW)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    return Withdrawal(entry.detail.get("reason", ""), entry.at, entry.actor) if entry else None


def set_honour(
    session: Session, problem_id: int, honour: Honour | None, note: str, *, now: datetime, actor_id: int | None
) -> Problem:
    """Put a problem on the red list (exemplary, closed problems only), the black list (poor),
    or take it off both (``honour`` None)."""
    problem = get(session, Problem, problem_id)
    if problem.state is ProblemState.WITHDRAWN:
        raise Conflict(N_("已撤销的整改事项不能列入红黑榜"))
    if honour is Honour.RED and problem.state is not ProblemState.CLOSED:
        raise Conflict(N_("只有已销号的整改事项才能列入红榜"))
    note = (note or "").strip()
    if len(note) > 200:
        raise DomainError(N_("%(field)s不能超过 %(n)d 个字符"), field=N_("上榜理由"), n=200)
    diff = audit.apply_changes(problem, {"honour": honour, "honour_note": note if honour else ""})
    audit.record(session, "problem.honour", now=now, actor_id=actor_id, obj=problem, summary=problem.title, **diff)
    return problem


def _deadline(deadline_on: date | None, today: date) -> date:
    if deadline_on is None:
        raise DomainError(N_("请填写整改期限"))
    if deadline_on < today:
        raise DomainError(N_("整改期限不能早于今天"))
    return deadline_on


def _optional_text(value: str | None, label: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise DomainError(N_("%(field)s不能超过 %(n)d 个字符"), field=label, n=MAX_TEXT)
    return value
