"""Why a group was left out or a target not ranked: a stable code, its facts, and a text.

Texts are msgids (Chinese) marked with ``N_``; the web layer translates them, the CLI
writes them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from surveys.i18n import N_

TEXTS = {
    "no_ballots": N_("没有有效票"),
    "below_minimum": N_("有效票 %(n)d 张，少于最低要求 %(min)d 张，未计入"),
    "required_group_missing": N_("必需的评议主体“%(group)s”没有足够的有效票"),
    "strict_group_missing": N_("严格模式下评议主体“%(group)s”没有足够的有效票"),
    "no_group": N_("没有任何评议主体达到最低有效票数"),
    "too_few_to_rank": N_("有效票少于 %(min)d 张，为保护匿名不排名"),
    "no_imported_score": N_("导入的评分表中没有该对象的得分"),
    "missing_component": N_("缺少评分组成“%(component)s”的得分"),
    "vetoed": N_("一票否决：%(reason)s"),
    "no_component": N_("没有适用于该对象的评分组成"),
    # Notes of a run or a rules page: N larger than a list or a category holds.
    "bottom_short": N_("参与排名的评议对象只有 %(size)d 个，少于末位名额 %(n)d 名"),
    "bottom_short_category": N_("类别“%(category)s”参与排名的评议对象只有 %(size)d 个，少于末位名额 %(n)d 名"),
    "top_short": N_(
        "参与排名的评议对象有 %(size)d 个，先定末位 %(bottom)d 个后只剩 %(rest)d 个，少于十佳名额 %(n)d 名"
    ),
    "top_short_category": N_(
        "类别“%(category)s”参与排名的评议对象有 %(size)d 个，先定末位 %(bottom)d 个后只剩 %(rest)d 个，"
        "少于十佳名额 %(n)d 名"
    ),
}


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        message = TEXTS[self.code]
        return message % self.params if self.params else message

    def to_dict(self) -> dict:
        return {"code": self.code, **self.params, "text": self.text}
