"""The audit log as people read it: actions and fields by name, people by name, times local.

The log itself keeps machine terms (``problem.verify``, ``closed_by: 2``) so that it stays
exact and comparable; only the page translates them. An action or field not listed here is
shown as recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.i18n import N_
from surveys.models import AuditEntry, User
from surveys.moments import local_text

ACTIONS = {
    "auth.login": N_("登录"),
    "auth.login_failed": N_("登录失败"),
    "campaign.create": N_("新建评议活动"),
    "campaign.update": N_("修改评议活动"),
    "campaign.clone": N_("复制评议活动"),
    "codes.issue": N_("发放评议码"),
    "codes.void": N_("作废评议码批次"),
    "component.create": N_("新增评分组成"),
    "component.update": N_("修改评分组成"),
    "component.delete": N_("删除评分组成"),
    "group.create": N_("新增评议主体"),
    "group.update": N_("修改评议主体"),
    "group.delete": N_("删除评议主体"),
    "item.create": N_("新增测评项目"),
    "item.update": N_("修改测评项目"),
    "item.delete": N_("删除测评项目"),
    "problem.file": N_("登记整改事项"),
    "problem.honour": N_("列入红黑榜"),
    "problem.report": N_("报告整改情况"),
    "problem.verify": N_("核验整改"),
    "problem.withdraw": N_("撤销整改事项"),
    "questionnaire.create": N_("新建测评表"),
    "round.create": N_("新建评议轮次"),
    "round.update": N_("修改评议轮次"),
    "round.open": N_("开放评议轮次"),
    "round.close": N_("结束评议轮次"),
    "run.freeze": N_("冻结计分"),
    "run.sign": N_("签发计分"),
    "run.publish": N_("公布计分"),
    "run.withdraw": N_("撤回公布"),
    "scale.update": N_("修改评价等级"),
    "scores.import": N_("导入得分"),
    "scoring.run": N_("计分"),
    "scoring_rules.create": N_("设置计分规则"),
    "scoring_rules.update": N_("修改计分规则"),
    "target.create": N_("新增评议对象"),
    "target.update": N_("修改评议对象"),
    "target.delete": N_("删除评议对象"),
    "target.import": N_("导入评议对象"),
    "terminal.create": N_("新增窗口终端"),
    "terminal.revoke": N_("吊销窗口终端"),
    "unit.create": N_("新增单位"),
    "unit.update": N_("修改单位"),
    "user.create": N_("新建用户"),
    "user.disable": N_("停用用户"),
    "user.enable": N_("启用用户"),
    "user.password_change": N_("修改密码"),
    "user.password_reset": N_("重置密码"),
    "veto.record": N_("记录一票否决"),
    "veto.revoke": N_("撤销一票否决"),
}
FIELDS = {
    "bottom_n": N_("末位人数"),
    "top_n": N_("十佳人数"),
    "closed_at": N_("销号时间"),
    "closed_by": N_("销号人"),
    "deadline_on": N_("整改期限"),
    "honour": N_("红黑榜"),
    "honour_note": N_("红黑榜说明"),
    "kind": N_("类型"),
    "min_ballots": N_("最少有效票"),
    "name": N_("名称"),
    "source": N_("来源"),
    "state": N_("状态"),
    "status": N_("状态"),
    "target": N_("评议对象"),
    "text": N_("内容"),
    "unit": N_("单位"),
    "verdict": N_("评价"),
    "weight": N_("权重"),
}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def action_label(action: str) -> str:
    return _(ACTIONS[action]) if action in ACTIONS else action


def changes(entry: AuditEntry, names: dict[int, str]) -> list[Change]:
    """The fields an entry changed, in the order recorded, with readable values."""
    detail = entry.detail or {}
    before, after = detail.get("before") or {}, detail.get("after") or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [Change(_(FIELDS[k]) if k in FIELDS else k, _value(k, before, names), _value(k, after, names)) for k in keys]


def user_names(session: Session, entries: list[AuditEntry]) -> dict[int, str]:
    """Names of the users that entries' ``*_by`` fields refer to, read in one query."""
    ids = {
        value
        for e in entries
        for part in ("before", "after")
        for key, value in ((e.detail or {}).get(part) or {}).items()
        if key.endswith("_by") and isinstance(value, int)
    }
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(ids)))
    return {user_id: display or username for user_id, display, username in rows}


def _value(key: str, values: dict, names: dict[int, str]) -> str:
    if key not in values or values[key] is None:
        return "—"
    value = values[key]
    if key.endswith("_by") and isinstance(value, int):
        return names.get(value, f"#{value}")
    if key.endswith("_at") and isinstance(value, str):
        try:
            return local_text(datetime.fromisoformat(value), current_app.config["TIMEZONE"], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return value
    return str(value)
