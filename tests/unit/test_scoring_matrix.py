"""What counts for whom and honour lists (DESIGN §6a), on plain data: no database.

A small Zhaoyuan: units U1–U4 and windows W1–W3; components 业务考核 40 (every target),
行风听证 20 (units only) and 划票测评 30 (every target), all imported sheets out of 100, so
each total is a weighted mean a reader can check by hand.
"""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal

from surveys.scoring.config import CampaignConfig, ComponentConfig, ListConfig, Rules, TargetInfo
from surveys.scoring.evaluate import score
from surveys.scoring.inputs import Inputs
from surveys.scoring.results import TargetStatus, to_json

UNITS = ("U1", "U2", "U3", "U4")
WINDOWS = ("W1", "W2", "W3")
TARGETS = tuple(
    TargetInfo(i, code, code, "单位" if code[0] == "U" else "窗口", "县政府")
    for i, code in enumerate(UNITS + WINDOWS, start=1)
)
IDS = {t.code: t.id for t in TARGETS}
BUSINESS = ComponentConfig(1, "业务考核", "imported", 40.0)
HEARING = ComponentConfig(2, "行风听证", "imported", 20.0, applies_to=frozenset(UNITS), selector={"kind": "unit"})
BALLOTS = ComponentConfig(3, "划票测评", "imported", 30.0)
#: code → (业务考核, 行风听证, 划票测评); windows have no 行风听证 score, and need none.
SHEETS = {
    "U1": (90, 80, 70),
    "U2": (80, 80, 80),
    "U3": (70, 60, 95),
    "U4": (60, 70, 65),
    "W1": (95, 0, 90),
    "W2": (85, 0, 75),
    "W3": (70, 0, 60),
}
UNIT_LIST = ListConfig("十佳单位", frozenset(UNITS), {"kind": "unit"}, top_n=1, bottom_n=1)
WINDOW_LIST = ListConfig("十佳窗口", frozenset(WINDOWS), {"kind": "window"}, top_n=1, bottom_n=0)


def config(*lists: ListConfig, components=(BUSINESS, HEARING, BALLOTS)) -> CampaignConfig:
    return CampaignConfig("肇源", 2026, tuple(components), Rules(top_n=2, bottom_n=1), tuple(lists))


def inputs(sheets=SHEETS) -> Inputs:
    imported = {}
    for code, scores in sheets.items():
        for component, value in zip((BUSINESS, HEARING, BALLOTS), scores, strict=True):
            if component.applies_to is None or code in component.applies_to:
                imported[(component.id, IDS[code])] = (float(value), 100.0)
    return Inputs(TARGETS, imported=imported)


def by_code(result):
    return {t.code: t for t in result.targets}


def test_a_total_is_the_weighted_mean_over_the_components_that_apply_to_it():
    """U1: (40·90 + 20·80 + 30·70) / 90 = 81.11. W1: 行风听证 does not apply, so its weights
    renormalise over 业务考核 and 划票测评: (40·95 + 30·90) / 70 = 92.857… → 92.86."""
    out = by_code(score(config(), inputs()))

    assert out["U1"].total_2dp == Decimal("81.11")
    assert out["W1"].total_2dp == Decimal("92.86")
    assert [c.name for c in out["W1"].components] == ["业务考核", "划票测评"]
    assert [round(c.applied_weight, 6) for c in out["W1"].components] == [round(40 / 70, 6), round(30 / 70, 6)]
    assert [round(c.applied_weight, 6) for c in out["U1"].components] == [round(w / 90, 6) for w in (40, 20, 30)]


def test_a_target_lacking_a_score_in_an_applying_component_is_insufficient_naming_it():
    """U4 has no 行风听证 score (it applies to units): insufficient, naming it. The windows have
    none either, and need none."""
    data = inputs()
    imported = {k: v for k, v in data.imported.items() if k != (HEARING.id, IDS["U4"])}
    out = by_code(score(config(), replace(data, imported=imported)))

    assert out["U4"].status is TargetStatus.INSUFFICIENT
    assert [r.text for r in out["U4"].reasons] == ["缺少评分组成“行风听证”的得分"]
    assert all(out[w].status is TargetStatus.RANKED for w in WINDOWS)


def test_a_target_no_component_applies_to_is_insufficient_and_says_why():
    data = inputs()
    hearing_only = replace(data, imported={k: v for k, v in data.imported.items() if k[0] == HEARING.id})
    out = by_code(score(config(components=(HEARING,)), hearing_only))

    assert out["W1"].status is TargetStatus.INSUFFICIENT
    assert [r.text for r in out["W1"].reasons] == ["没有适用于该对象的评分组成"]


def test_each_list_ranks_its_own_targets_with_its_own_rules():
    """Units: U1 81.11, U2 80.00, U3 76.11, U4 63.89 — top-1 U1, bottom-1 U4.
    Windows: W1 92.86, W2 80.71, W3 65.71 — top-1 W1, no 末位 rule. Each ranks from 1 within
    its list; the campaign-wide rank stays on the target."""
    result = score(config(UNIT_LIST, WINDOW_LIST), inputs())
    out = by_code(result)

    def place(code):
        (p,) = out[code].placements
        return p.list, p.rank, p.flags

    assert [place(c) for c in UNITS] == [
        ("十佳单位", 1, ["top"]),
        ("十佳单位", 2, []),
        ("十佳单位", 3, []),
        ("十佳单位", 4, ["bottom"]),
    ]
    assert [place(c) for c in WINDOWS] == [("十佳窗口", 1, ["top"]), ("十佳窗口", 2, []), ("十佳窗口", 3, [])]
    assert out["W1"].rank == 1 and out["U1"].rank == 2  # over every ranked target of the campaign
    assert [(lst["name"], lst["targets"], lst["ranked"]) for lst in result.lists] == [
        ("十佳单位", 4, 4),
        ("十佳窗口", 3, 3),
    ]


def test_a_target_may_be_in_several_lists_and_the_json_says_which_with_its_rank_there():
    everyone = ListConfig("综合排名", None, None, top_n=3, bottom_n=0)
    data = to_json(score(config(UNIT_LIST, everyone), inputs()))
    rows = {t["code"]: t for t in data["targets"]}

    assert rows["U4"]["lists"] == [
        {"name": "十佳单位", "rank": 4, "category_rank": 4, "flags": ["bottom"]},
        {"name": "综合排名", "rank": 7, "category_rank": 4, "flags": []},
    ]
    assert rows["W1"]["lists"] == [{"name": "综合排名", "rank": 1, "category_rank": 1, "flags": ["top"]}]
    assert [lst["name"] for lst in data["config"]["lists"]] == ["十佳单位", "综合排名"]
    assert data["config"]["lists"][0]["targets"] == list(UNITS)


def test_top_and_bottom_scopes_are_separate():
    """十佳 per category (top-1 of 单位 and of 窗口), 末位 over the whole list (bottom-1: W3)."""
    everyone = ListConfig("全部", None, None, top_n=1, bottom_n=1, top_scope="category", bottom_scope="overall")
    out = by_code(score(config(everyone), inputs()))

    assert {c for c, t in out.items() if t.is_top} == {"U1", "W1"}
    assert {c for c, t in out.items() if t.is_bottom} == {"U4"}


def test_the_digest_covers_the_lists_rules_and_the_components_selectors():
    base = score(config(UNIT_LIST), inputs()).digest

    assert score(config(replace(UNIT_LIST, top_n=2)), inputs()).digest != base
    assert score(config(replace(UNIT_LIST, name="单位排名")), inputs()).digest != base
    assert score(config(UNIT_LIST), inputs()).digest == base


def test_a_campaign_with_no_lists_records_no_list_and_ranks_as_one_list():
    data = to_json(score(config(), inputs()))

    assert "lists" not in data["config"] and data["lists"] == []
    assert all("lists" not in t for t in data["targets"])
    ranked = [t for t in data["targets"] if t["status"] == "ranked"]
    assert [t["rank"] for t in ranked] == sorted(t["rank"] for t in ranked)
    assert math.isclose(sum(c["applied_weight"] for c in ranked[0]["components"]), 1.0)
