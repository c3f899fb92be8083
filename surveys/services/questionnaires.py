"""Questionnaires: items, weights and scale. Frozen once a round using them opens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from surveys.errors import Conflict, DomainError
from surveys.i18n import N_
from surveys.models import Campaign, Item, Level, Questionnaire, RoundStatus
from surveys.scales import PRESETS, preset_levels
from surveys.services import audit
from surveys.services.lookup import get
from surveys.services.validate import level_points, positive_weight, required_text


def is_frozen(questionnaire: Questionnaire) -> bool:
    """True once any round using it has opened."""
    return any(r.status is not RoundStatus.DRAFT for r in questionnaire.rounds)


def ensure_editable(questionnaire: Questionnaire) -> None:
    if is_frozen(questionnaire):
        raise Conflict(N_("测评表“%(name)s”已被开放的轮次使用，不能再修改"), name=questionnaire.name)


def create_questionnaire(
    session: Session,
    campaign_id: int,
    name: str,
    preset: str,
    *,
    with_unknown: bool,
    now: datetime,
    actor_id: int | None,
) -> Questionnaire:
    campaign = get(session, Campaign, campaign_id)
    name = required_text(name, 100, N_("测评表名称"))
    if preset not in PRESETS:
        raise DomainError(N_("未知的评价等级预设"))
    questionnaire = Questionnaire(campaign=campaign, name=name)
    for position, spec in enumerate(preset_levels(preset, with_unknown=with_unknown)):
        questionnaire.levels.append(
            Level(
                position=position,
                label=spec.label,
                points=spec.points,
                is_positive=spec.is_positive,
                is_excluded=spec.is_excluded,
            )
        )
    session.add(questionnaire)
    audit.record(
        session,
        "questionnaire.create",
        now=now,
        actor_id=actor_id,
        obj=questionnaire,
        summary=name,
        preset=preset,
        with_unknown=with_unknown,
    )
    return questionnaire


def save_item(
    session: Session,
    questionnaire_id: int,
    code: str,
    text: str,
    weight: float,
    *,
    now: datetime,
    actor_id: int | None,
    item_id: int | None = None,
) -> Item:
    """Add an item or edit one; weights must be positive and codes unique in the questionnaire."""
    questionnaire = get(session, Questionnaire, questionnaire_id)
    ensure_editable(questionnaire)
    code = required_text(code, 32, N_("指标编号"))
    text = required_text(text, 300, N_("指标内容"))
    weight = positive_weight(weight)
    item = get(session, Item, item_id) if item_id else None
    if item is not None and item.questionnaire_id != questionnaire.id:
        raise DomainError(N_("测评指标不属于该测评表"))
    if any(other.code == code and other is not item for other in questionnaire.items):
        raise Conflict(N_("指标编号 %(code)s 已被使用"), code=code)
    if item is None:
        item = Item(code=code, text=text, weight=weight, position=len(questionnaire.items))
        questionnaire.items.append(item)
        audit.record(
            session,
            "item.create",
            now=now,
            actor_id=actor_id,
            obj=item,
            summary=f"{questionnaire.name}: {code}",
            after={"weight": weight, "text": text},
        )
    else:
        diff = audit.apply_changes(item, {"code": code, "text": text, "weight": weight})
        audit.record(
            session,
            "item.update",
            now=now,
            actor_id=actor_id,
            obj=item,
            summary=f"{questionnaire.name}: {code}",
            **diff,
        )
    session.flush()
    return item


def delete_item(session: Session, item_id: int, *, now: datetime, actor_id: int | None) -> None:
    item = get(session, Item, item_id)
    questionnaire = item.questionnaire
    ensure_editable(questionnaire)
    audit.record(
        session,
        "item.delete",
        now=now,
        actor_id=actor_id,
        obj=item,
        summary=f"{questionnaire.name}: {item.code}",
        before={"weight": item.weight},
    )
    questionnaire.items.remove(item)
    for position, remaining in enumerate(questionnaire.items):
        remaining.position = position
    session.flush()


def set_level_points(
    session: Session,
    questionnaire_id: int,
    points: dict[int, float],
    *,
    now: datetime,
    actor_id: int | None,
) -> None:
    """Edit the points of the counted levels; they must strictly fall from best to worst."""
    questionnaire = get(session, Questionnaire, questionnaire_id)
    ensure_editable(questionnaire)
    counted = [level for level in questionnaire.levels if not level.is_excluded]
    if set(points) != {level.id for level in counted}:
        raise DomainError(N_("请为每个计分等级填写分值"))
    new = [level_points(points[level.id]) for level in counted]
    if any(a <= b for a, b in zip(new, new[1:], strict=False)):
        raise DomainError(N_("等级分值必须从高到低严格递减"))
    before = {level.label: level.points for level in counted}
    for level, value in zip(counted, new, strict=True):
        level.points = value
    audit.record(
        session,
        "scale.update",
        now=now,
        actor_id=actor_id,
        obj=questionnaire,
        summary=questionnaire.name,
        before=before,
        after={lv.label: lv.points for lv in counted},
    )
    session.flush()
