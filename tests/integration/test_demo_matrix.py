"""The Zhaoyuan-shaped demo campaign: three kinds, four components with selectors, three lists."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select

from surveys import demo_matrix
from surveys.models import Ballot, Campaign, RoundStatus, ScoringRun, TargetKind
from surveys.selectors import TargetSelector
from surveys.services.honour_lists import list_lists
from surveys.services.issuing import CodeKeys

NOW = datetime(2026, 3, 1, 9, 0, 0)
KEYS = CodeKeys(derive=b"d" * 32, lookup=b"l" * 32)


def _seed(session) -> Campaign:
    steps = sum(demo_matrix.seed_zhaoyuan(session, KEYS, seed=7, now=NOW))
    assert steps == demo_matrix.STEPS
    return session.scalars(select(Campaign).where(Campaign.name == "2026年度千人评议")).one()


def test_the_campaign_rates_52_units_34_windows_and_100_chiefs_in_three_categories(session):
    campaign = _seed(session)
    assert Counter(t.kind for t in campaign.targets) == {
        TargetKind.UNIT: 52,
        TargetKind.WINDOW: 34,
        TargetKind.PERSON: 100,
    }
    assert {t.category.name for t in campaign.targets} == {"综合管理", "行政执法", "社会服务"}
    (round_,) = campaign.rounds
    assert round_.status is RoundStatus.CLOSED
    assert {g.name: g.selector for g in round_.groups} == {
        "县级领导": TargetSelector(TargetKind.UNIT),
        "服务对象": TargetSelector(TargetKind.WINDOW),
        "基层代表": TargetSelector(TargetKind.PERSON),
    }
    assert session.scalar(select(func.count()).select_from(Ballot)) == demo_matrix.STEPS - 1


def test_four_components_each_apply_to_the_right_kinds(session):
    campaign = _seed(session)
    components = {c.name: (c.weight, c.selector) for c in campaign.components}
    assert components == {
        "业务考核": (0.4, TargetSelector()),
        "行风听证": (0.2, TargetSelector(TargetKind.UNIT)),
        "划票测评": (0.3, TargetSelector()),
        "综合评价": (0.1, TargetSelector()),
    }


def test_one_published_run_names_ten_best_in_each_of_the_three_lists(session):
    campaign = _seed(session)
    lists = list_lists(session, campaign.id)
    assert [(lst.name, lst.selector.kind) for lst in lists] == [
        ("十佳单位", TargetKind.UNIT),
        ("十佳窗口", TargetKind.WINDOW),
        ("十佳股长", TargetKind.PERSON),
    ]
    (run,) = session.scalars(select(ScoringRun).where(ScoringRun.campaign_id == campaign.id))
    assert run.is_frozen and run.published_at is not None
    kind_of = {t.code: t.kind for t in campaign.targets}
    best: dict[str, set[TargetKind]] = {}
    counts = Counter()
    for target in run.result["targets"]:
        assert target["status"] == "ranked", target["reasons"]
        for entry in target["lists"]:
            if "top" in entry["flags"]:
                counts[entry["name"]] += 1
                best.setdefault(entry["name"], set()).add(kind_of[target["code"]])
            assert not {"top", "bottom"} <= set(entry["flags"])
    assert counts == {"十佳单位": 10, "十佳窗口": 10, "十佳股长": 10}
    assert best == {"十佳单位": {TargetKind.UNIT}, "十佳窗口": {TargetKind.WINDOW}, "十佳股长": {TargetKind.PERSON}}
    # 行风听证 counts for units only: a window's total is renormalised over the other three.
    window = next(t for t in run.result["targets"] if t["code"] == "CK001")
    assert {c["name"] for c in window["components"] if c.get("applied_weight")} == {"业务考核", "划票测评", "综合评价"}
