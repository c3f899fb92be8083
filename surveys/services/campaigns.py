"""Campaigns, their components, and cloning a past campaign as next year's draft."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.errors import Conflict, DomainError
from surveys.i18n import N_
from surveys.models import (
    Campaign,
    Category,
    Component,
    ComponentKind,
    HonourList,
    Item,
    Level,
    Questionnaire,
    RaterGroup,
    Round,
    Target,
)
from surveys.selectors import TargetSelector, require_targets
from surveys.services import audit
from surveys.services.lookup import get
from surveys.services.validate import positive_weight, required_text


def list_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc())))


def save_campaign(
    session: Session,
    name: str,
    year: int,
    description: str,
    *,
    now: datetime,
    actor_id: int | None,
    campaign_id: int | None = None,
) -> Campaign:
    values = {
        "name": required_text(name, 120, N_("活动名称")),
        "year": _year(year),
        "description": (description or "").strip()[:2000],
    }
    if campaign_id is None:
        campaign = Campaign(created_at=now, **values)
        session.add(campaign)
        audit.record(session, "campaign.create", now=now, actor_id=actor_id, obj=campaign, summary=campaign.name)
    else:
        campaign = get(session, Campaign, campaign_id)
        diff = audit.apply_changes(campaign, values)
        audit.record(
            session, "campaign.update", now=now, actor_id=actor_id, obj=campaign, summary=campaign.name, **diff
        )
    session.flush()
    return campaign


def save_component(
    session: Session,
    campaign_id: int,
    fields: dict,
    *,
    now: datetime,
    actor_id: int | None,
    component_id: int | None = None,
    selector: TargetSelector | None = None,
) -> Component:
    """Add or edit a weighted part of the total: a round of this campaign, or an imported sheet.

    ``selector`` (what counts for whom, DESIGN §6a): the targets it scores; one that matches
    none of the campaign's targets is refused. Left out: every target (or, when editing,
    the selector it had).
    """
    campaign = get(session, Campaign, campaign_id)
    component = get(session, Component, component_id) if component_id else None
    if component is not None and component.campaign_id != campaign.id:
        raise DomainError(N_("评分组成不属于该评议活动"))
    kind = ComponentKind(fields["kind"])
    round_id = fields.get("round_id") or None
    if kind is ComponentKind.ROUND:
        round_ = get(session, Round, round_id)
        if round_.campaign_id != campaign.id:
            raise DomainError(N_("轮次不属于该评议活动"))
        if any(c.round_id == round_id and c is not component for c in campaign.components):
            raise Conflict(N_("该轮次已是一个评分组成"))
    else:
        round_id = None
    values = {
        "name": required_text(fields["name"], 50, N_("组成名称")),
        "kind": kind,
        "round_id": round_id,
        "weight": positive_weight(fields.get("weight")),
    }
    if any(c.name == values["name"] and c is not component for c in campaign.components):
        raise Conflict(N_("评分组成 %(name)s 已存在"), name=values["name"])
    if selector is not None:
        require_targets(session, campaign.id, selector)
        values |= selector.columns()
    if component is None:
        component = Component(**values)
        campaign.components.append(component)
        audit.record(
            session,
            "component.create",
            now=now,
            actor_id=actor_id,
            obj=component,
            summary=component.name,
            after={"weight": component.weight, "kind": kind.value},
        )
    else:
        diff = audit.apply_changes(component, values)
        audit.record(
            session, "component.update", now=now, actor_id=actor_id, obj=component, summary=component.name, **diff
        )
    session.flush()
    return component


def delete_component(session: Session, component_id: int, *, now: datetime, actor_id: int | None) -> None:
    component = get(session, Component, component_id)
    audit.record(
        session,
        "component.delete",
        now=now,
        actor_id=actor_id,
        obj=component,
        summary=component.name,
        before={"weight": component.weight},
    )
    component.campaign.components.remove(component)
    session.flush()


def clone_campaign(
    session: Session,
    campaign_id: int,
    name: str,
    year: int,
    *,
    now: datetime,
    actor_id: int | None,
) -> Campaign:
    """Copy a campaign's configuration as a new draft: categories, targets, questionnaires,
    rounds (as drafts, dates moved to the new year), rater groups, components and honour
    lists (their selectors pointing at the copy's categories).

    Nothing of the old campaign's ballots or codes is copied. The copy remembers its
    predecessor, which is how trends across years find the same target.
    """
    source = get(session, Campaign, campaign_id)
    copy = save_campaign(session, name, year, source.description, now=now, actor_id=actor_id)
    copy.predecessor = source
    with session.no_autoflush:  # the copies point at each other before any is in the session
        categories = _copy_configuration(source, copy)
    session.flush()
    _copy_honour_lists(session, source, copy, categories)
    audit.record(
        session,
        "campaign.clone",
        now=now,
        actor_id=actor_id,
        obj=copy,
        summary=copy.name,
        source_id=source.id,
        source_name=source.name,
    )
    return copy


def _copy_configuration(source: Campaign, copy: Campaign) -> dict[int, Category]:
    """Copy everything but the honour lists; returns the copied categories by source id."""
    shift = copy.year - source.year
    categories = {c.id: Category(name=c.name, position=c.position) for c in source.categories}
    copy.categories.extend(categories.values())
    for t in source.targets:
        copy.targets.append(
            Target(
                code=t.code,
                name=t.name,
                kind=t.kind,
                title=t.title,
                unit_id=t.unit_id,
                category=categories[t.category_id],
            )
        )
    questionnaires = {}
    for q in source.questionnaires:
        questionnaires[q.id] = Questionnaire(
            name=q.name,
            items=[Item(position=i.position, code=i.code, text=i.text, weight=i.weight) for i in q.items],
            levels=[
                Level(
                    position=lv.position,
                    label=lv.label,
                    points=lv.points,
                    is_positive=lv.is_positive,
                    is_excluded=lv.is_excluded,
                )
                for lv in q.levels
            ],
        )
        copy.questionnaires.append(questionnaires[q.id])
    rounds = {}
    for r in source.rounds:
        rounds[r.id] = Round(
            name=r.name,
            kind=r.kind,
            questionnaire=questionnaires.get(r.questionnaire_id),
            opens_on=_shift(r.opens_on, shift),
            closes_on=_shift(r.closes_on, shift),
            is_open_round=r.is_open_round,
            aggregation=r.aggregation,
            trim_k=r.trim_k,
            is_strict=r.is_strict,
            groups=[
                RaterGroup(
                    name=g.name,
                    weight=g.weight,
                    min_ballots=g.min_ballots,
                    is_required=g.is_required,
                    is_public=g.is_public,
                    **g.selector_copy(categories),
                )
                for g in r.groups
            ],
        )
        copy.rounds.append(rounds[r.id])
    for c in source.components:
        component = Component(name=c.name, kind=c.kind, weight=c.weight, round=rounds.get(c.round_id))
        component.selector_kind, component.selector_unit_id = c.selector_kind, c.selector_unit_id
        component.selector_category = categories.get(c.selector_category_id)
        copy.components.append(component)
    return categories


def _copy_honour_lists(session: Session, source: Campaign, copy: Campaign, categories: dict[int, Category]) -> None:
    """The honour lists with their rules, their selectors pointing at the copy's categories."""
    columns = ("name", "position", "top_n", "bottom_n", "top_scope", "bottom_scope", "bottom_threshold")
    columns += ("top_min_ballots", "top_min_grade", "selector_kind", "selector_unit_id")
    for lst in session.scalars(select(HonourList).where(HonourList.campaign_id == source.id)):
        row = HonourList(campaign_id=copy.id, **{name: getattr(lst, name) for name in columns})
        row.selector_category_id = categories[lst.selector_category_id].id if lst.selector_category_id else None
        session.add(row)
    session.flush()


def _year(year: int | None) -> int:
    if year is None or not 2000 <= int(year) <= 2100:
        raise DomainError(N_("年度必须在 2000 到 2100 之间"))
    return int(year)


def _shift(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)
