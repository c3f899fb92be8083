"""Units, categories and targets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.errors import Conflict, DomainError
from surveys.i18n import N_
from surveys.models import Campaign, Category, CodeBatch, Problem, Rating, Target, TargetKind, Unit
from surveys.pinyin import sort_key
from surveys.selectors import TargetSelector
from surveys.services import audit
from surveys.services.lookup import get
from surveys.services.validate import required_text


def list_units(session: Session) -> list[Unit]:
    """Every unit of the installation, by pinyin."""
    return sorted(session.scalars(select(Unit)), key=lambda unit: sort_key(unit.name))


def campaign_units(session: Session, campaign_id: int, selector: TargetSelector | None = None) -> list[Unit]:
    """The units that have targets in the campaign (of those ``selector`` matches), by pinyin:
    what a campaign's drop-downs list, and the units of a per-unit issue."""
    in_campaign = select(Target.unit_id).where(Target.campaign_id == campaign_id)
    if selector is not None:
        in_campaign = in_campaign.where(selector.clause())
    units = session.scalars(select(Unit).where(Unit.id.in_(in_campaign)))
    return sorted(units, key=lambda unit: sort_key(unit.name))


def ledger_units(session: Session, campaign_id: int) -> list[Unit]:
    """The units with targets or problems in the campaign, by pinyin: the ledger's filter
    (a problem filed by hand may name a unit that is not rated in the campaign)."""
    with_problems = select(Problem.unit_id).where(Problem.campaign_id == campaign_id)
    with_targets = select(Target.unit_id).where(Target.campaign_id == campaign_id)
    units = session.scalars(select(Unit).where(Unit.id.in_(with_targets) | Unit.id.in_(with_problems)))
    return sorted(units, key=lambda unit: sort_key(unit.name))


def save_unit(
    session: Session,
    name: str,
    parent_id: int | None,
    *,
    now: datetime,
    actor_id: int | None,
    unit_id: int | None = None,
) -> Unit:
    """Create a unit, or rename / re-parent one. A unit cannot sit below itself."""
    name = required_text(name, 100, N_("单位名称"))
    unit = get(session, Unit, unit_id) if unit_id else Unit()
    clash = session.scalar(select(Unit.id).where(Unit.name == name))
    if clash is not None and clash != unit.id:
        raise Conflict(N_("单位 %(name)s 已存在"), name=name)
    if parent_id is not None:
        parent = get(session, Unit, parent_id)
        while parent is not None:
            if unit.id is not None and parent.id == unit.id:
                raise DomainError(N_("上级单位不能是本单位或其下级单位"))
            parent = parent.parent
    if unit_id is None:
        unit.name, unit.parent_id = name, parent_id
        session.add(unit)
        audit.record(session, "unit.create", now=now, actor_id=actor_id, obj=unit, summary=name)
    else:
        diff = audit.apply_changes(unit, {"name": name, "parent_id": parent_id})
        audit.record(session, "unit.update", now=now, actor_id=actor_id, obj=unit, summary=name, **diff)
    session.flush()
    return unit


def find_or_create_category(session: Session, campaign: Campaign, name: str) -> Category:
    name = required_text(name, 50, N_("类别"))
    for category in campaign.categories:
        if category.name == name:
            return category
    category = Category(campaign=campaign, name=name, position=len(campaign.categories))
    session.add(category)
    return category


def save_target(
    session: Session,
    campaign_id: int,
    fields: dict,
    *,
    now: datetime,
    actor_id: int | None,
    target_id: int | None = None,
) -> Target:
    """Create or edit a target.

    ``fields``: code, name, kind (TargetKind), title, category (a name; created when new),
    unit_id. Codes are unique within a campaign.
    """
    campaign = get(session, Campaign, campaign_id)
    code = required_text(fields["code"], 32, N_("编号"))
    name = required_text(fields["name"], 100, N_("名称"))
    target = get(session, Target, target_id) if target_id else None
    if target is not None and target.campaign_id != campaign.id:
        raise DomainError(N_("评议对象不属于该评议活动"))
    clash = session.scalar(select(Target.id).where(Target.campaign_id == campaign.id, Target.code == code))
    if clash is not None and (target is None or clash != target.id):
        raise Conflict(N_("编号 %(code)s 已被使用"), code=code)
    values = {
        "code": code,
        "name": name,
        "kind": TargetKind(fields["kind"]),
        "title": (fields.get("title") or "").strip()[:100],
        "category": find_or_create_category(session, campaign, fields["category"]),
        "unit": get(session, Unit, fields["unit_id"]),
    }
    if target is None:
        target = Target(campaign=campaign, **values)
        session.add(target)
        audit.record(session, "target.create", now=now, actor_id=actor_id, obj=target, summary=f"{code} {name}")
    else:
        diff = audit.apply_changes(target, values)
        audit.record(session, "target.update", now=now, actor_id=actor_id, obj=target, summary=f"{code} {name}", **diff)
    session.flush()
    return target


def delete_target(session: Session, target_id: int, *, now: datetime, actor_id: int | None) -> None:
    target = get(session, Target, target_id)
    in_use = (
        select(CodeBatch.id).where(CodeBatch.target_id == target.id).limit(1),
        select(Rating.ballot_id).where(Rating.target_id == target.id).limit(1),
    )
    if any(session.scalar(stmt) is not None for stmt in in_use):
        raise Conflict(N_("评议对象“%(name)s”已有评议码或评议票，不能删除"), name=target.name)
    audit.record(
        session,
        "target.delete",
        now=now,
        actor_id=actor_id,
        obj=target,
        summary=f"{target.code} {target.name}",
    )
    target.campaign.targets.remove(target)  # keeps the loaded collection true, then deletes
    session.delete(target)
    session.flush()


def targets_of_unit(session: Session, unit_id: int) -> list[Target]:
    """Every campaign's targets that belong to one unit, newest campaign first."""
    stmt = (
        select(Target)
        .join(Campaign)
        .where(Target.unit_id == unit_id)
        .order_by(Campaign.year.desc(), Campaign.id.desc(), Target.code)
    )
    return list(session.scalars(stmt))


def count_targets(session: Session, campaign_id: int) -> int:
    return session.scalar(select(func.count()).where(Target.campaign_id == campaign_id)) or 0
