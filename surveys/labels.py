"""Every label a status or choice shows, in one place, keyed by enum member.

The labels are message ids (``N_``): the web layer translates them (``_(label(x))`` in a
template, ``translate`` in Python, lazily in forms); reports and exports written in Chinese
use them as they are. A ``StrEnum`` member and its value are the same key, so a status read
from a stored run's JSON ("ranked") finds its label too.
"""

from __future__ import annotations

import enum

from surveys.enums import Aggregation, ComponentKind, RankScope, RoundStatus, TargetStatus
from surveys.i18n import N_, MsgId
from surveys.models.organisation import TargetKind
from surveys.models.problems import Honour, ProblemSource, ProblemState, Verdict
from surveys.models.round import RoundKind
from surveys.models.scoring import RunState
from surveys.models.user import Role

ROUND_STATUS = {
    RoundStatus.DRAFT: N_("草稿"),
    RoundStatus.OPEN: N_("进行中"),
    RoundStatus.CLOSED: N_("已结束"),
}
AGGREGATION = {
    Aggregation.MEAN: N_("平均值"),
    Aggregation.MEDIAN: N_("中位数"),
    Aggregation.TRIMMED: N_("去掉最高分和最低分后平均"),
}
ROUND_KIND = {
    RoundKind.INTERNAL: N_("内部评议"),
    RoundKind.EXTERNAL: N_("外部评议"),
    RoundKind.OTHER: N_("其他"),
}
COMPONENT_KIND = {
    ComponentKind.ROUND: N_("评议轮次"),
    ComponentKind.IMPORTED: N_("导入的分数表"),
}
RANK_SCOPE = {
    RankScope.OVERALL: N_("全部评议对象"),
    RankScope.CATEGORY: N_("各类别分别"),
}
#: The same scopes as an honour list's own rules say them (the list, not the campaign).
HONOUR_LIST_SCOPE = {
    RankScope.OVERALL: N_("整个名单"),
    RankScope.CATEGORY: N_("名单内各类别分别"),
}
TARGET_KIND = {
    TargetKind.PERSON: N_("个人"),
    TargetKind.WINDOW: N_("窗口"),
    TargetKind.UNIT: N_("单位"),
}
ROLE = {
    Role.ORGANISER: N_("组织者"),
    Role.LEADER: N_("领导"),
    Role.UNIT_OFFICER: N_("单位联络员"),
    Role.ADMIN: N_("系统管理员"),
}
TARGET_STATUS = {
    TargetStatus.RANKED: N_("已排名"),
    TargetStatus.VETOED: N_("一票否决"),
    TargetStatus.INSUFFICIENT: N_("数据不足"),
}
RUN_STATE = {
    RunState.DRAFT: N_("未冻结"),
    RunState.FROZEN: N_("已冻结，待领导签发"),
    RunState.SIGNED: N_("已签发，待公布"),
    RunState.PUBLISHED: N_("已公布"),
    RunState.WITHDRAWN: N_("已撤回"),
}
PROBLEM_STATE = {
    ProblemState.OPEN: N_("待整改"),
    ProblemState.REPORTED: N_("待核验"),
    ProblemState.REOPENED: N_("重新整改"),
    ProblemState.CLOSED: N_("已销号"),
    ProblemState.WITHDRAWN: N_("已撤销"),
}
PROBLEM_SOURCE = {
    ProblemSource.COMMENT: N_("评议意见"),
    ProblemSource.LOW_ITEM: N_("低分测评指标"),
    ProblemSource.INSPECTION: N_("督查检查"),
    ProblemSource.UNANNOUNCED: N_("明察暗访"),
    ProblemSource.HOTLINE: N_("12345热线"),
    ProblemSource.OTHER: N_("其他"),
}
VERDICT = {
    Verdict.SATISFIED: N_("满意"),
    Verdict.BASICALLY_SATISFIED: N_("基本满意"),
    Verdict.UNSATISFIED: N_("不满意"),
}
HONOUR = {Honour.RED: N_("红榜"), Honour.BLACK: N_("黑榜")}

#: Each enum's labels, for ``label``.
BY_ENUM: dict[type[enum.Enum], dict] = {
    RoundStatus: ROUND_STATUS,
    Aggregation: AGGREGATION,
    RoundKind: ROUND_KIND,
    ComponentKind: COMPONENT_KIND,
    RankScope: RANK_SCOPE,
    TargetKind: TARGET_KIND,
    Role: ROLE,
    TargetStatus: TARGET_STATUS,
    RunState: RUN_STATE,
    ProblemState: PROBLEM_STATE,
    ProblemSource: PROBLEM_SOURCE,
    Verdict: VERDICT,
    Honour: HONOUR,
}


#: Labels of an enum that read differently in one context than ``label`` says them.
IN_CONTEXT: tuple[dict, ...] = (HONOUR_LIST_SCOPE,)


def label(member: enum.Enum) -> MsgId:
    """The label (a message id) of one member of an enum above."""
    return BY_ENUM[type(member)][member]
