"""Vetoes (一票否决): recorded by an organiser with a reason, audited, and revocable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.errors import DomainError, NotFound
from surveys.i18n import N_
from surveys.models import Campaign, Target, Veto
from surveys.services import audit
from surveys.services.lookup import get
from surveys.services.validate import required_text


def record_veto(
    session: Session, campaign_id: int, target_id: int, reason: str, *, now: datetime, actor_id: int | None
) -> Veto:
    """Record a veto against a target of the campaign: from the next run it takes no rank.

    The reason is required (at most 300 characters) and is shown with the target.
    """
    campaign = get(session, Campaign, campaign_id)
    target = get(session, Target, target_id)
    if target.campaign_id != campaign.id:
        raise DomainError(N_("评议对象不属于该评议活动"))
    veto = Veto(
        campaign_id=campaign.id,
        target_id=target.id,
        reason=required_text(reason, 300, N_("否决理由")),
        recorded_at=now,
        recorded_by=actor_id,
    )
    session.add(veto)
    audit.record(
        session,
        "veto.record",
        now=now,
        actor_id=actor_id,
        obj=veto,
        summary=f"{target.code} {target.name}",
        target=target.code,
        reason=veto.reason,
    )
    return veto


def revoke_veto(session: Session, veto_id: int, *, now: datetime, actor_id: int | None) -> None:
    """Withdraw a veto recorded in error; the audit log keeps what it said."""
    veto = session.get(Veto, veto_id)
    if veto is None:
        raise NotFound(N_("一票否决记录不存在"))
    target = veto.target
    audit.record(
        session,
        "veto.revoke",
        now=now,
        actor_id=actor_id,
        obj=veto,
        summary=f"{target.code} {target.name}",
        target=target.code,
        reason=veto.reason,
        recorded_at=veto.recorded_at.isoformat(),
    )
    session.delete(veto)
    session.flush()


def list_vetoes(session: Session, campaign_id: int) -> list[Veto]:
    stmt = select(Veto).where(Veto.campaign_id == campaign_id).order_by(Veto.recorded_at, Veto.id)
    return list(session.scalars(stmt))
