"""Honour lists (排名名单): create, change and delete a campaign's lists (DESIGN §6a).

Each list ranks the targets its selector matches with its own 十佳 / 末位 rules. A
campaign with no list ranks every target as one implicit list with the 十佳 / 末位 rules
of its scoring rules (``config.implicit_list``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.errors import Conflict, DomainError
from surveys.i18n import N_
from surveys.models import Campaign, HonourList, RankScope
from surveys.scoring import ranking
from surveys.scoring.config import ListConfig, Rules
from surveys.scoring.evaluate import marks_for
from surveys.scoring.reasons import Reason
from surveys.selectors import TargetSelector, require_targets, targets_per_category
from surveys.services import audit
from surveys.services.lookup import get
from surveys.services.scoring_rules import _count, _optional_number


def list_lists(session: Session, campaign_id: int) -> list[HonourList]:
    """The campaign's lists in the order they are shown."""
    stmt = select(HonourList).where(HonourList.campaign_id == campaign_id)
    return list(session.scalars(stmt.order_by(HonourList.position, HonourList.id)))


def save_list(
    session: Session,
    campaign_id: int,
    fields: dict,
    selector: TargetSelector,
    *,
    rules: Rules,
    now: datetime,
    actor_id: int | None,
    list_id: int | None = None,
) -> HonourList:
    """Add a list, or change one; every field is checked before anything is written.

    Checks: a name of 1–50 characters not used by another list of the campaign; N (十佳
    and 末位) and the minimum ballots whole numbers ≥ 0; scopes overall or category; the
    threshold empty or in 0–100; the minimum grade empty or one of the campaign's grade
    labels (``rules.grade_bands``); a selector that matches at least one of the campaign's
    targets. Raises DomainError (or Conflict for a taken name) naming the field at fault.
    """
    campaign = get(session, Campaign, campaign_id)
    row = get(session, HonourList, list_id) if list_id else None
    if row is not None and row.campaign_id != campaign.id:
        raise DomainError(N_("排名名单不属于该评议活动"))
    values = _values(fields, rules)
    others = [lst for lst in list_lists(session, campaign.id) if lst is not row]
    if any(lst.name == values["name"] for lst in others):
        raise Conflict(N_("排名名单“%(name)s”已存在"), name=values["name"])
    require_targets(session, campaign.id, selector)
    values |= selector.columns()
    if row is None:
        position = max((lst.position for lst in others), default=-1) + 1
        row = HonourList(campaign_id=campaign.id, position=position)
        session.add(row)
        diff = audit.apply_changes(row, values)
        session.flush()  # the row's id, for the audit entry
        audit.record(session, "honour_list.create", now=now, actor_id=actor_id, obj=row, summary=row.name, **diff)
    else:
        diff = audit.apply_changes(row, values)
        audit.record(session, "honour_list.update", now=now, actor_id=actor_id, obj=row, summary=row.name, **diff)
    session.flush()
    return row


def delete_list(session: Session, list_id: int, *, now: datetime, actor_id: int | None) -> int:
    """Remove a list; the next run ranks without it. Returns its campaign's id."""
    row = get(session, HonourList, list_id)
    campaign_id = row.campaign_id
    audit.record(session, "honour_list.delete", now=now, actor_id=actor_id, obj=row, summary=row.name)
    session.delete(row)
    session.flush()
    return campaign_id


def shortfalls(session: Session, row: HonourList, rules: Rules) -> list[Reason]:
    """Where a list's N is larger than its targets (or a category of them) hold, in words."""
    config = ListConfig(
        name=row.name,
        top_n=row.top_n,
        bottom_n=row.bottom_n,
        top_scope=RankScope(row.top_scope).value,
        bottom_scope=RankScope(row.bottom_scope).value,
    )
    sizes = targets_per_category(session, row.campaign_id, row.selector)
    return ranking.shortfalls(sizes, marks_for(config, rules))


def _values(fields: dict, rules: Rules) -> dict:
    name = str(fields.get("name") or "").strip()
    if not name or len(name) > 50:
        raise DomainError(N_("名单名称不能为空，且不超过 50 个字"))
    top_min_grade = str(fields.get("top_min_grade") or "").strip() or None
    if top_min_grade is not None and top_min_grade not in [label for _bound, label in rules.grade_bands]:
        raise DomainError(N_("十佳的最低等次必须是等次之一"))
    return {
        "name": name,
        "top_n": _count(fields.get("top_n"), N_("十佳名额")),
        "bottom_n": _count(fields.get("bottom_n"), N_("末位名额")),
        "top_scope": _scope(fields.get("top_scope"), N_("十佳的范围")),
        "bottom_scope": _scope(fields.get("bottom_scope"), N_("末位的范围")),
        "bottom_threshold": _optional_number(fields.get("bottom_threshold"), 0, 100, N_("末位分数线")),
        "top_min_ballots": _count(fields.get("top_min_ballots"), N_("十佳最少有效票数")),
        "top_min_grade": top_min_grade,
    }


def _scope(value, label: str) -> RankScope:
    try:
        return RankScope(value.value if isinstance(value, RankScope) else value)
    except ValueError:
        raise DomainError(N_("%(field)s必须是全部或各类别分别"), field=label) from None
