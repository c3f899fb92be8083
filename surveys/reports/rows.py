"""The rows every report shows, read from a run as ``display.shown`` leaves it.

Reports never see an unsuppressed result: they are given ``shown(run.result)`` and render
whatever it hid (a None where a figure would be, a group or target marked ``suppressed``)
as ``SUPPRESSED``, so a threshold raised in ``shown`` reaches every export unchanged.
Reports are in Chinese (the organisers' language), like the printed code slips.
"""

from __future__ import annotations

from collections.abc import Iterator

from surveys.labels import TARGET_STATUS

#: What a report shows where ``shown`` hid a figure (anonymity, DESIGN.md section 5).
SUPPRESSED = "—（票数过少）"
#: What a report shows where there is no figure at all (not ranked, no score).
NONE = "—"
STATUS = TARGET_STATUS
FLAGS = {"top": "十佳", "bottom": "末位"}

RANKING_HEADER = (
    "名次", "类别内名次", "编号", "名称", "类别", "单位", "总分", "等次", "有效票数", "状态", "标记", "说明",
)  # fmt: skip
BREAKDOWN_HEADER = (
    "编号", "名称", "评分组成", "组成权重", "组成得分", "评议主体", "主体权重", "有效票数",
    "是否计入", "主体得分", "平均分", "标准差", "满意率", "说明",
)  # fmt: skip
LIST_HEADER = ("名单", "名单内名次", "名单内类别名次", "编号", "名称", "类别", "单位", "总分", "等次", "标记")
ITEM_HEADER = ("编号", "名称", "评分组成", "评议主体", "指标", "指标权重", "有效回答数", "平均分")


def is_hidden(entry: dict) -> bool:
    """True when ``shown`` suppressed this target or group."""
    return bool(entry.get("suppressed"))


def figure(value, hidden: bool, digits: int | None = None):
    """A number as a report cell: rounded, or SUPPRESSED / NONE where there is none."""
    if value is None:
        return SUPPRESSED if hidden else NONE
    if digits is not None and isinstance(value, float):
        return round(value, digits)
    return value


def total_text(target: dict) -> str:
    """The total at two decimals as the ranking shows it, or why there is none."""
    if target.get("total") is None:
        return SUPPRESSED if is_hidden(target) else NONE
    return f"{target['total']:.2f}"


def reasons_text(entry: dict) -> str:
    return "；".join(r.get("text", "") for r in entry.get("reasons") or [])


def flags_text(target: dict) -> str:
    return "、".join(FLAGS[f] for f in target.get("flags") or [] if f in FLAGS)


def ballots_figure(t: dict, below: int):
    """A target's counted ballots, hidden like any figure over fewer than ``below`` ballots."""
    ballots = t.get("ballots")
    if ballots is not None and 0 < ballots < below:
        return SUPPRESSED
    return figure(ballots, is_hidden(t))


def ranking_row(t: dict, below: int) -> tuple:
    hidden = is_hidden(t)
    return (
        figure(t.get("rank"), hidden),
        figure(t.get("category_rank"), hidden),
        t["code"],
        t["name"],
        t["category"],
        t["unit"],
        figure(t.get("total"), hidden, 2),
        figure(t.get("grade"), hidden),
        ballots_figure(t, below),
        STATUS.get(t["status"], t["status"]),
        flags_text(t),
        reasons_text(t),
    )


def breakdown_rows(view: dict) -> Iterator[tuple]:
    """One row per (target, component, rater group); imported components have one row."""
    for t in view["targets"]:
        for c in t["components"]:
            head = (t["code"], t["name"], c["name"], c["weight"], figure(c["score"], is_hidden(t), 2))
            if c["kind"] == "imported":
                sheet = c.get("imported")
                note = f"导入得分 {sheet['score']:g} / {sheet['max']:g}" if sheet else reasons_text(c)
                yield (*head, "", "", "", "", "", "", "", "", note)
                continue
            for g in c.get("groups", []):
                hidden = is_hidden(g)
                reason = (g.get("reason") or {}).get("text", "")
                note = "；".join(x for x in (reason, SUPPRESSED if hidden else "") if x)
                yield (
                    *head,
                    g["name"],
                    g["weight"],
                    SUPPRESSED if hidden else g["n"],
                    "是" if g["is_counted"] else "否",
                    figure(g.get("score"), hidden, 2),
                    figure(g.get("mean"), hidden, 2),
                    figure(g.get("sd"), hidden, 2),
                    _rate(g.get("satisfaction"), hidden),
                    note,
                )


def item_rows(view: dict) -> Iterator[tuple]:
    for t in view["targets"]:
        for c in t["components"]:
            for g in c.get("groups", []):
                hidden = is_hidden(g)
                for item in g.get("items") or []:
                    yield (
                        t["code"],
                        t["name"],
                        c["name"],
                        g["name"],
                        item["code"],
                        item["weight"],
                        figure(item.get("n"), hidden),
                        figure(item.get("mean"), hidden, 2),
                    )


def level_table(view: dict) -> tuple[tuple, list[tuple]]:
    """The answers per rating level of each (target, round component): header and rows."""
    labels: list[str] = []
    for t in view["targets"]:
        for c in t["components"]:
            labels += [lv["label"] for lv in c.get("levels", []) if lv["label"] not in labels]
    rows = []
    for t in view["targets"]:
        for c in t["components"]:
            if c["kind"] == "imported":
                continue
            counts = {lv["label"]: lv["count"] for lv in c.get("levels", [])}
            hidden = any(v is None for v in counts.values())
            rows.append(
                (t["code"], t["name"], c["name"], *(figure(counts.get(x), hidden and x in counts) for x in labels))
            )
    return ("编号", "名称", "评分组成", *labels), rows


def marked(view: dict, flag: str) -> list[dict]:
    """The targets carrying ``flag`` ("top" for 十佳, "bottom" for 末位), best first."""
    return [t for t in view["targets"] if flag in (t.get("flags") or [])]


def by_category(view: dict) -> dict[str, list[dict]]:
    """Targets grouped by category, in the run's order (ranked first, best first)."""
    groups: dict[str, list[dict]] = {}
    for t in view["targets"]:
        groups.setdefault(t["category"], []).append(t)
    return groups


def _rate(value: float | None, hidden: bool):
    return f"{value * 100:.1f}%" if value is not None else (SUPPRESSED if hidden else NONE)


def list_rows(sections: list[dict], below: int) -> Iterator[tuple]:
    """Every honour list's targets (``standings.honour_sections``), each list in its own rows."""
    for section in sections:
        for t in section["targets"]:
            hidden = is_hidden(t)
            yield (
                section["name"],
                figure(t["rank"], hidden),
                figure(t["category_rank"], hidden),
                t["code"],
                t["name"],
                t["category"],
                t["unit"],
                total_text(t),
                figure(t["grade"], hidden),
                "、".join(FLAGS[f] for f in t.get("flags") or []),
            )
