"""Rounds, their rater groups and their lifecycle (draft → open → closed)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.errors import Conflict, DomainError
from surveys.i18n import N_
from surveys.models import Aggregation, Campaign, CodeBatch, Questionnaire, RaterGroup, Round, RoundKind, RoundStatus
from surveys.scoring.config import round_settings
from surveys.selectors import TargetSelector, require_targets
from surveys.services import audit
from surveys.services.lookup import get
from surveys.services.sealing import seal_round
from surveys.services.validate import positive_weight, required_text


def ensure_draft(round_: Round) -> None:
    """Questionnaire, scale, groups and weights are frozen once a round has opened."""
    if not round_.is_draft:
        raise Conflict(N_("轮次“%(name)s”已开放，其测评表、评议主体和权重不能再修改"), name=round_.name)


def save_round(
    session: Session,
    campaign_id: int,
    fields: dict,
    *,
    now: datetime,
    actor_id: int | None,
    round_id: int | None = None,
) -> Round:
    """Create a round or edit one.

    ``fields``: name, kind, questionnaire_id, opens_on, closes_on, is_open_round,
    aggregation, trim_k, is_strict. Once open only the name may change and the closing date
    move (not before today); a closed round cannot be edited at all.
    """
    campaign = get(session, Campaign, campaign_id)
    round_ = get(session, Round, round_id) if round_id else None
    if round_ is not None and round_.campaign_id != campaign.id:
        raise DomainError(N_("轮次不属于该评议活动"))
    values = _round_values(session, campaign, fields)
    if round_ is not None and not round_.is_draft:
        if round_.status is RoundStatus.CLOSED:
            raise Conflict(N_("轮次“%(name)s”已结束，不能再修改"), name=round_.name)
        changed = {k for k, v in values.items() if getattr(round_, k) != v}
        if changed - {"name", "closes_on"}:
            raise Conflict(N_("轮次“%(name)s”正在进行中，只能修改名称和结束日期"), name=round_.name)
        if "closes_on" in changed and values["closes_on"] < now.date():
            raise DomainError(N_("结束日期不能早于今天"))
    if any(r.name == values["name"] and r is not round_ for r in campaign.rounds):
        raise Conflict(N_("轮次名称 %(name)s 已被使用"), name=values["name"])
    if round_ is None:
        round_ = Round(campaign=campaign, **values)
        session.add(round_)
        audit.record(session, "round.create", now=now, actor_id=actor_id, obj=round_, summary=round_.name)
    else:
        diff = audit.apply_changes(round_, values)
        audit.record(session, "round.update", now=now, actor_id=actor_id, obj=round_, summary=round_.name, **diff)
    session.flush()
    return round_


def _round_values(session: Session, campaign: Campaign, fields: dict) -> dict:
    opens_on, closes_on = fields["opens_on"], fields["closes_on"]
    if not isinstance(opens_on, date) or not isinstance(closes_on, date):
        raise DomainError(N_("请填写开始和结束日期"))
    if closes_on < opens_on:
        raise DomainError(N_("结束日期不能早于开始日期"))
    # A year's evaluation may start late in that year and end early in the next; a date years
    # away is a typing mistake (9999-01-01), not a plan.
    if not (campaign.year - 1 <= opens_on.year and closes_on.year <= campaign.year + 1):
        raise DomainError(
            N_("轮次日期应在 %(first)d 年至 %(last)d 年之间（本评议活动为 %(year)d 年度）"),
            first=campaign.year - 1,
            last=campaign.year + 1,
            year=campaign.year,
        )
    questionnaire = None
    if fields.get("questionnaire_id"):
        questionnaire = get(session, Questionnaire, fields["questionnaire_id"])
        if questionnaire.campaign_id != campaign.id:
            raise DomainError(N_("测评表不属于该评议活动"))
    trim_k = int(fields.get("trim_k") or 0)
    if not 0 <= trim_k <= 10:
        raise DomainError(N_("去掉最高最低分的个数必须在 0 到 10 之间"))
    return {
        "name": required_text(fields["name"], 60, N_("轮次名称")),
        "kind": RoundKind(fields["kind"]),
        "questionnaire": questionnaire,
        "opens_on": opens_on,
        "closes_on": closes_on,
        "is_open_round": bool(fields.get("is_open_round")),
        "aggregation": Aggregation(fields.get("aggregation") or "mean"),
        "trim_k": trim_k,
        "is_strict": bool(fields.get("is_strict")),
    }


def save_group(
    session: Session,
    round_id: int,
    fields: dict,
    *,
    now: datetime,
    actor_id: int | None,
    group_id: int | None = None,
) -> RaterGroup:
    """Add or edit a rater group: name, weight, min_ballots, is_required, is_public, selector.

    The selector (a TargetSelector, default every target) names the targets the group's
    codes may cover; it must match at least one of the campaign's targets, and it cannot
    change once codes have been issued to the group (their batches cover what it matched).
    """
    round_ = get(session, Round, round_id)
    ensure_draft(round_)
    group = get(session, RaterGroup, group_id) if group_id else None
    if group is not None and group.round_id != round_.id:
        raise DomainError(N_("评议主体不属于该轮次"))
    min_ballots = int(fields.get("min_ballots") if fields.get("min_ballots") is not None else 5)
    if not 0 <= min_ballots <= 100000:
        raise DomainError(N_("最少有效票数必须在 0 到 100000 之间"))
    values = {
        "name": required_text(fields["name"], 50, N_("评议主体名称")),
        "weight": positive_weight(fields.get("weight")),
        "min_ballots": min_ballots,
        "is_required": bool(fields.get("is_required")),
        "is_public": bool(fields.get("is_public")),
    }
    selector = fields.get("selector") or TargetSelector()
    require_targets(session, round_.campaign_id, selector)
    if group is not None and group.selector != selector and _has_batches(session, group):
        raise Conflict(N_("已为评议主体“%(name)s”发放过评议码，不能再修改其评议范围"), name=group.name)
    if any(g.name == values["name"] and g is not group for g in round_.groups):
        raise Conflict(N_("评议主体 %(name)s 已存在"), name=values["name"])
    if group is None:
        group = RaterGroup(**values)
        group.selector = selector
        round_.groups.append(group)
        audit.record(
            session,
            "group.create",
            now=now,
            actor_id=actor_id,
            obj=group,
            summary=f"{round_.name}: {group.name}",
            after={
                "weight": group.weight,
                "min_ballots": min_ballots,
                **{name: getattr(value, "value", value) for name, value in _selector_values(selector).items()},
            },
        )
    else:
        diff = audit.apply_changes(group, {**values, **_selector_values(selector)})
        audit.record(
            session,
            "group.update",
            now=now,
            actor_id=actor_id,
            obj=group,
            summary=f"{round_.name}: {group.name}",
            **diff,
        )
    session.flush()
    return group


def _has_batches(session: Session, group: RaterGroup) -> bool:
    return session.scalar(select(CodeBatch.id).where(CodeBatch.group_id == group.id).limit(1)) is not None


def _selector_values(selector: TargetSelector) -> dict:
    """The selector as the group's column values (for `audit.apply_changes`)."""
    return {
        "selector_kind": selector.kind,
        "selector_category_id": selector.category_id,
        "selector_unit_id": selector.unit_id,
    }


def delete_group(session: Session, group_id: int, *, now: datetime, actor_id: int | None) -> None:
    group = get(session, RaterGroup, group_id)
    round_ = group.round
    ensure_draft(round_)
    if _has_batches(session, group):
        raise Conflict(N_("已为评议主体“%(name)s”发放过评议码，不能删除"), name=group.name)
    audit.record(
        session,
        "group.delete",
        now=now,
        actor_id=actor_id,
        obj=group,
        summary=f"{round_.name}: {group.name}",
        before={"weight": group.weight},
    )
    round_.groups.remove(group)
    session.flush()


def open_round(session: Session, round_id: int, *, now: datetime, actor_id: int | None) -> Round:
    """Open a draft round once its configuration is complete, and freeze that configuration."""
    round_ = get(session, Round, round_id)
    status = round_.status.move_to(RoundStatus.OPEN, name=round_.name)
    problems = configuration_problems(round_)
    if problems:
        raise DomainError(N_("轮次还不能开放："), details=problems)
    round_.frozen_config = snapshot(round_)
    round_.status = status
    audit.record(
        session,
        "round.open",
        now=now,
        actor_id=actor_id,
        obj=round_,
        summary=round_.name,
        before={"status": "draft"},
        after={"status": "open"},
    )
    session.flush()
    return round_


def close_round(session: Session, round_id: int, *, now: datetime, actor_id: int | None) -> Round:
    round_ = get(session, Round, round_id)
    round_.status = round_.status.move_to(RoundStatus.CLOSED, name=round_.name)
    session.flush()  # the closed status is part of what the sealing transaction writes
    seal_round(session, round_.id)
    audit.record(
        session,
        "round.close",
        now=now,
        actor_id=actor_id,
        obj=round_,
        summary=round_.name,
        before={"status": "open"},
        after={"status": "closed"},
    )
    session.flush()
    return round_


def configuration_problems(round_: Round) -> list[str]:
    """What still stops a round from opening (msgids, empty when it is ready)."""
    problems = []
    questionnaire = round_.questionnaire
    if questionnaire is None:
        problems.append(N_("未选择测评表"))
    else:
        if not questionnaire.items:
            problems.append(N_("测评表没有测评指标"))
        if len([lv for lv in questionnaire.levels if not lv.is_excluded]) < 2:
            problems.append(N_("评价等级少于两个"))
    if not round_.groups:
        problems.append(N_("没有评议主体"))
    if round_.is_open_round and sum(g.is_public for g in round_.groups) != 1:
        problems.append(N_("开放式轮次需要且只能有一个公众评议主体"))
    if not round_.campaign.targets:
        problems.append(N_("评议活动还没有评议对象"))
    return problems


def snapshot(round_: Round) -> dict:
    """The configuration scoring will use, as plain data."""
    questionnaire = round_.questionnaire
    return round_settings(
        round_.aggregation,
        round_.trim_k,
        round_.is_strict,
        questionnaire.levels,
        questionnaire.items,
        round_.groups,
    )
