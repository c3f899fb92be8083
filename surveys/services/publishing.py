"""Publishing a scoring run: an organiser freezes it, a leader signs it off, an organiser
publishes it, and may withdraw it with a reason.

States and their moves are ``RunState`` (draft → frozen → signed → published → withdrawn);
any other move is refused with a 409 and writes nothing. A frozen run's figures never
change (the model refuses it), so the digest a leader signed is the digest the public page
shows. Every move is audited with who and when, and the run keeps them too.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.errors import Conflict, DomainError, NotFound
from surveys.i18n import N_
from surveys.models import PublicPage, RunState, ScoringRun
from surveys.scoring.display import shown
from surveys.services import audit

#: Bytes of randomness in a public page's token (128 bits, 22 URL-safe characters).
TOKEN_BYTES = 16


def freeze_run(session: Session, run_id: int, *, now: datetime, actor_id: int | None) -> ScoringRun:
    """Freeze a stored run for sign-off; from then on its figures can never change.

    A provisional run (scored while a round was open) is refused, whatever way it was stored.
    """
    run = _locked_run(session, run_id)
    if run.result.get("is_provisional"):
        raise Conflict(N_("第 %(id)d 次计分是临时结果（计分时仍有轮次在进行中），不能冻结"), id=run.number)
    before, run.state = run.state, run.state.move_to(RunState.FROZEN, id=run.number)
    run.is_frozen = True
    run.frozen_at, run.frozen_by = now, actor_id
    return _recorded(session, run, before, now=now, actor_id=actor_id)


def sign_run(session: Session, run_id: int, *, now: datetime, actor_id: int | None) -> ScoringRun:
    """A leader's sign-off (签发) of a frozen run; the one who froze it may not sign it."""
    run = _locked_run(session, run_id)
    if actor_id is not None and actor_id == run.frozen_by:
        raise Conflict(N_("冻结计分结果的人不能再签发同一结果"))
    before, run.state = run.state, run.state.move_to(RunState.SIGNED, id=run.number)
    run.signed_at, run.signed_by = now, actor_id
    return _recorded(session, run, before, now=now, actor_id=actor_id)


def publish_run(session: Session, run_id: int, *, now: datetime, actor_id: int | None) -> ScoringRun:
    """Show a signed run on the campaign's public page; at most one published run per campaign.

    The public page (and its token) is made on the first publication and kept after that.
    """
    run = _locked_run(session, run_id)
    current = published_run(session, run.campaign_id)
    if current is not None and current.id != run.id:
        raise Conflict(N_("第 %(id)d 次计分已公布，请先撤回再公布新的结果"), id=current.id)
    before, run.state = run.state, run.state.move_to(RunState.PUBLISHED, id=run.number)
    run.published_at, run.published_by = now, actor_id
    if public_page(session, run.campaign_id) is None:
        session.add(PublicPage(campaign_id=run.campaign_id, token=secrets.token_urlsafe(TOKEN_BYTES), created_at=now))
    return _recorded(session, run, before, now=now, actor_id=actor_id)


def withdraw_run(session: Session, run_id: int, reason: str, *, now: datetime, actor_id: int | None) -> ScoringRun:
    """Take a published run off the public page, with the reason; the run stays on record."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("请填写撤回原因"))
    if len(reason) > 300:
        raise DomainError(N_("撤回原因不能超过 300 字"))
    run = _locked_run(session, run_id)
    before, run.state = run.state, run.state.move_to(RunState.WITHDRAWN, id=run.number)
    run.withdrawn_at, run.withdrawn_by, run.withdrawal_reason = now, actor_id, reason
    return _recorded(session, run, before, now=now, actor_id=actor_id, reason=reason)


def published_run(session: Session, campaign_id: int) -> ScoringRun | None:
    stmt = select(ScoringRun).where(ScoringRun.campaign_id == campaign_id, ScoringRun.state == RunState.PUBLISHED)
    return session.scalar(stmt)


def public_page(session: Session, campaign_id: int) -> PublicPage | None:
    return session.scalar(select(PublicPage).where(PublicPage.campaign_id == campaign_id))


def public_snapshot(run: ScoringRun) -> dict:
    """The published run as the public may see it: ``shown`` (anonymity suppression), without
    the integrity figures (code batches are internal) and without the text of veto reasons
    (an organiser's note, not a public statement; the status 一票否决 stays)."""
    view = shown(run.result)
    targets = [
        {**t, "reasons": [{"code": r["code"]} if r["code"] == "vetoed" else r for r in t["reasons"]]}
        for t in view["targets"]
    ]
    published = {"run": run.number, "signed_at": _iso(run.signed_at), "published_at": _iso(run.published_at)}
    return {**{k: v for k, v in view.items() if k != "integrity"}, "targets": targets, "publication": published}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="minutes") if moment else None


def public_pages(session: Session) -> list[PublicPage]:
    return list(session.scalars(select(PublicPage).order_by(PublicPage.campaign_id)))


def published_by_token(session: Session, token: str) -> ScoringRun:
    """The run shown at ``/results/<token>``; NotFound when the token is unknown or nothing is
    published (both look the same from outside)."""
    page = session.scalar(select(PublicPage).where(PublicPage.token == token)) if token else None
    run = published_run(session, page.campaign_id) if page is not None else None
    if run is None:
        raise NotFound(N_("该评议活动暂无公布的结果"))
    return run


def runs_in_state(session: Session, state: RunState) -> list[ScoringRun]:
    """Runs of every campaign in one state, oldest first (e.g. those awaiting sign-off)."""
    stmt = select(ScoringRun).where(ScoringRun.state == state).order_by(ScoringRun.id)
    return list(session.scalars(stmt))


def _locked_run(session: Session, run_id: int) -> ScoringRun:
    """The run, locked against a concurrent move on PostgreSQL (SQLite writers are serialised)."""
    run = session.scalar(select(ScoringRun).where(ScoringRun.id == run_id).with_for_update())
    if run is None:
        raise NotFound(N_("计分结果不存在"))
    return run


_ACTIONS = {
    RunState.FROZEN: "freeze",
    RunState.SIGNED: "sign",
    RunState.PUBLISHED: "publish",
    RunState.WITHDRAWN: "withdraw",
}


def _recorded(session: Session, run: ScoringRun, before: RunState, *, now: datetime, actor_id: int | None, **detail):
    """Audit the move just made (this flushes the run too) and return the run."""
    audit.record(
        session,
        f"run.{_ACTIONS[run.state]}",
        now=now,
        actor_id=actor_id,
        obj=run,
        summary=run.digest,
        before={"state": before.value},
        after={"state": run.state.value},
        **detail,
    )
    return run
