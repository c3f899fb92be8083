"""How scoring results read on a page: reasons in the page's language, and the labels of
statuses, marks and changed fields. Shared by the organisers' scoring pages and the
leaders' results pages."""

from __future__ import annotations

from evalsite.i18n import translate
from surveys.i18n import N_
from surveys.labels import TARGET_STATUS, label
from surveys.scoring import reasons
from surveys.scoring.standings import honour_sections


def reason_text(reason: dict | None) -> str:
    """A stored reason (code, facts, Chinese text) in the page's language."""
    if not reason:
        return ""
    message = reasons.TEXTS.get(reason["code"])
    if message is None:
        return reason.get("text", "")
    return translate(message, {k: v for k, v in reason.items() if k not in ("code", "text")})


FIELD_LABELS = {
    "status": N_("状态"),
    "total": N_("总分"),
    "grade": N_("等次"),
    "rank": N_("名次"),
    "category_rank": N_("类别内名次"),
    "flags": N_("标记"),
}
FLAG_LABELS = {
    "top": N_("十佳"),
    "bottom": N_("末位"),
    "below_minimum": N_("票数未达最低要求，未计入"),
    "trim_fallback": N_("票数不足以去掉最高最低分，改用平均值"),
    "shrunk": N_("已向总体均值收缩"),
    "suppressed": N_("票数过少，不显示"),
    "low_trust": N_("含开放式轮次的票"),
}


def helpers() -> dict:
    """What the result templates call: ``reason_text``, the label tables and a run's publishing state."""
    return {
        "reason_text": reason_text,
        "status_labels": TARGET_STATUS,
        "flag_labels": FLAG_LABELS,
        "state_label": label,
        "honour_sections": honour_sections,
    }
