"""Saving a campaign's scoring rules: grade bands, bottom-N / top-N, shrinkage, suppression."""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.errors import DomainError
from surveys.i18n import N_
from surveys.models import Campaign, RankScope, ScoringRules
from surveys.scoring import ranking
from surveys.scoring.config import MIN_SUPPRESS_BELOW, Rules, implicit_list
from surveys.scoring.evaluate import marks_for
from surveys.scoring.reasons import Reason
from surveys.selectors import TargetSelector, targets_per_category
from surveys.services import audit
from surveys.services.lookup import get


def save_rules(
    session: Session, campaign_id: int, fields: dict, *, now: datetime, actor_id: int | None
) -> ScoringRules:
    """Create or change the campaign's rules; fields left out keep their value (or default).

    Checks: counts are whole numbers ≥ 0; the threshold lies in 0–100; grade bands have
    distinct non-empty labels, bounds in 0–100 falling strictly, the last one 0 (so every
    total gets a grade); the minimum grade for top-N is one of the labels; shrinkage
    strength is positive or empty; suppression is at least 3 ballots.
    """
    campaign = get(session, Campaign, campaign_id)
    rules = session.scalar(select(ScoringRules).where(ScoringRules.campaign_id == campaign.id))
    is_new = rules is None
    if is_new:
        rules = ScoringRules(campaign_id=campaign.id)
        session.add(rules)
        session.flush()  # column defaults filled in
    values = _values(rules, fields)
    diff = audit.apply_changes(rules, values)
    action = "scoring_rules.create" if is_new else "scoring_rules.update"
    audit.record(session, action, now=now, actor_id=actor_id, obj=rules, summary=campaign.name, **diff)
    session.flush()
    return rules


def shortfalls(session: Session, campaign_id: int, rules: Rules) -> list[Reason]:
    """Where the implicit list's N is larger than the campaign's targets (or a category's) hold."""
    sizes = targets_per_category(session, campaign_id, TargetSelector())
    return ranking.shortfalls(sizes, marks_for(implicit_list(rules), rules))


def _values(rules: ScoringRules, fields: dict) -> dict:
    def pick(name):
        return fields[name] if name in fields else getattr(rules, name)

    bands = _bands(pick("grade_bands"))
    top_min_grade = pick("top_min_grade") or None
    if top_min_grade is not None and top_min_grade not in [label for _bound, label in bands]:
        raise DomainError(N_("十佳的最低等次必须是等次之一"))
    return {
        "top_n": _count(pick("top_n"), N_("十佳名额")),
        "bottom_n": _count(pick("bottom_n"), N_("末位名额")),
        "rank_scope": RankScope(pick("rank_scope")),
        "bottom_threshold": _optional_number(pick("bottom_threshold"), 0, 100, N_("末位分数线")),
        "top_min_ballots": _count(pick("top_min_ballots"), N_("十佳最少有效票数")),
        "top_min_grade": top_min_grade,
        "grade_bands": bands,
        "shrinkage_m": _optional_number(pick("shrinkage_m"), 0, 100000, N_("收缩强度"), exclusive_low=True),
        "suppress_below": _count(pick("suppress_below"), N_("隐藏阈值"), low=MIN_SUPPRESS_BELOW),
        "burst_per_day": _count(pick("burst_per_day"), N_("单日集中使用阈值"), low=1),
    }


def _count(value, label: str, *, low: int = 0, high: int = 1_000_000) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(N_("%(field)s必须是整数"), field=label) from None
    if number != value and str(number) != str(value).strip():
        raise DomainError(N_("%(field)s必须是整数"), field=label)
    if not low <= number <= high:
        raise DomainError(N_("%(field)s必须在 %(low)d 到 %(high)d 之间"), field=label, low=low, high=high)
    return number


def _optional_number(value, low: float, high: float, label: str, *, exclusive_low: bool = False) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DomainError(N_("%(field)s必须是数字"), field=label) from None
    if not math.isfinite(number) or number > high or number < low or (exclusive_low and number == low):
        raise DomainError(N_("%(field)s超出允许范围"), field=label)
    return number


def _bands(bands) -> list:
    try:
        cleaned = [[float(bound), str(label).strip()] for bound, label in bands]
    except (TypeError, ValueError):
        raise DomainError(N_("等次设置格式有误")) from None
    labels = [label for _bound, label in cleaned]
    bounds = [bound for bound, _label in cleaned]
    if not cleaned or any(not label or len(label) > 20 for label in labels) or len(set(labels)) != len(labels):
        raise DomainError(N_("等次名称不能为空、不能重复，且不超过 20 个字"))
    if any(not (math.isfinite(b) and 0 <= b <= 100) for b in bounds) or bounds[-1] != 0:
        raise DomainError(N_("等次分数线必须在 0 到 100 之间，最低一档为 0"))
    if any(a <= b for a, b in zip(bounds, bounds[1:], strict=False)):
        raise DomainError(N_("等次分数线必须从高到低严格递减"))
    return cleaned
