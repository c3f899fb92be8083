"""A second demo campaign shaped like Zhaoyuan's 千人评议: the evaluation matrix (DESIGN §6a).

52 units, 34 windows and 100 股长 are rated in one campaign: 县级领导 rate the units, 服务对象
the windows, 基层代表 the 股长 (rater groups with target selectors). Four components make the
total: 业务考核 40 and 综合评价 10 (imported sheets, every target), 行风听证 20 (an imported
sheet, units only) and 划票测评 30 (the rating round). Three honour lists name 十佳单位,
十佳窗口 and 十佳股长 separately. Ballots go through the real casting service; the round is
then closed and scored, and the run frozen, signed off and published, so every results page
shows the three lists.

Everything is derived from one seed. Commits as it goes, as the casting service's callers do.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy.orm import Session

from surveys import demo, demo_ballots, demo_history
from surveys.models import Campaign, Target, TargetKind, Unit
from surveys.selectors import TargetSelector, select_targets
from surveys.services import audit, campaigns, issuing, organisation, questionnaires, rounds
from surveys.services.honour_lists import save_list
from surveys.services.issuing import CodeKeys
from surveys.services.score_sheets import import_score_sheet
from surveys.services.scoring_rules import save_rules
from surveys.services.scoring_runs import load_rules

COUNTY = "肇源县人民政府"
#: 52 county units; their category is the one of their line of work.
UNITS = {
    "综合管理": (
        "县发展和改革局",
        "县财政局",
        "县审计局",
        "县统计局",
        "县人力资源和社会保障局",
        "县机关事务服务中心",
        "县档案馆",
        "县工业和信息化科技局",
        "县商务局",
        "县营商环境建设监督局",
        "县政务服务中心",
        "县乡村振兴局",
        "县融媒体中心",
        "县信访局",
        "县供销合作社联合社",
        "县国有资产服务中心",
        "县招商服务中心",
    ),
    "行政执法": (
        "县公安局",
        "县司法局",
        "县自然资源局",
        "县生态环境局",
        "县住房和城乡建设局",
        "县交通运输局",
        "县水务局",
        "县农业农村局",
        "县市场监督管理局",
        "县应急管理局",
        "县城市管理综合执法局",
        "县林业和草原局",
        "县税务局",
        "县消防救援大队",
        "县文化广电和旅游局",
        "县畜牧水产服务中心",
        "县粮食和物资储备局",
        "县人民防空办公室",
    ),
    "社会服务": (
        "县教育局",
        "县卫生健康局",
        "县民政局",
        "县退役军人事务局",
        "县医疗保障局",
        "县残疾人联合会",
        "县就业服务中心",
        "县社会保险事业服务中心",
        "县住房公积金管理中心",
        "县供电公司",
        "县自来水公司",
        "县邮政分公司",
        "县人民医院",
        "县中医院",
        "县妇幼保健院",
        "县疾病预防控制中心",
        "县殡葬服务中心",
    ),
}
#: Units with a window (窗口) in the service hall: the first this many of each category's units.
WINDOWS_PER_CATEGORY = (11, 12, 11)
#: 股长 per category; they are spread over that category's units.
CHIEFS_PER_CATEGORY = (33, 34, 33)
SECTIONS = ("综合", "业务", "审批", "财务", "法规", "监督", "服务", "办公")
#: (group, kind rated, weight, ballots cast): who rates whom.
GROUPS = (
    ("县级领导", TargetKind.UNIT, 0.4, 12),
    ("服务对象", TargetKind.WINDOW, 0.35, 14),
    ("基层代表", TargetKind.PERSON, 0.25, 12),
)
#: (component, weight, kind it applies to or None for every target); 划票测评 is the round.
SHEETS = (("业务考核", 0.4, None), ("行风听证", 0.2, TargetKind.UNIT), ("综合评价", 0.1, None))
ROUND_WEIGHT = 0.3
#: (list, kind): 十佳 and 末位 per list, over the whole list.
LISTS = (("十佳单位", TargetKind.UNIT), ("十佳窗口", TargetKind.WINDOW), ("十佳股长", TargetKind.PERSON))
TOP_N, BOTTOM_N = 10, 3
MIN_BALLOTS = 5
#: The number of steps `seed_zhaoyuan` yields (one per ballot, one when scored).
STEPS = sum(n for *_rest, n in GROUPS) + 1


def seed_zhaoyuan(session: Session, keys: CodeKeys, *, seed: int, now: datetime) -> Iterator[int]:
    """Build, rate, close and score the Zhaoyuan-shaped campaign of ``now``'s year.

    Yields after each ballot cast (for a progress bar), then once more when the run is
    published. Units that already exist (by name) are reused.
    """
    rng = random.Random(f"{seed}-zhaoyuan")  # noqa: S311 -- demo data is meant to be reproducible  # nosec B311
    kw = {"now": now, "actor_id": None}
    campaign = campaigns.save_campaign(
        session,
        f"{now.year}年度千人评议",
        now.year,
        "县级领导评单位班子、服务对象评窗口、基层代表评股长；业务考核、行风听证、划票测评和综合评价"
        "合成总分，十佳单位、十佳窗口、十佳股长分别评出。",
        **kw,
    )
    quality = _add_targets(session, campaign, rng, kw)
    form = questionnaires.create_questionnaire(session, campaign.id, "划票测评表", "three", with_unknown=False, **kw)
    questionnaires.save_item(session, form.id, "Q1", "总体评价：满意、基本满意还是不满意", 1.0, **kw)
    fields = {
        "name": "划票测评",
        "kind": "external",
        "questionnaire_id": form.id,
        "opens_on": demo.day_in_year(now, -14),
        "closes_on": demo.day_in_year(now, -1),
    }
    round_ = rounds.save_round(session, campaign.id, fields, **kw)
    for name, kind, weight, _n in GROUPS:
        group = {"name": name, "weight": weight, "min_ballots": MIN_BALLOTS, "selector": TargetSelector(kind)}
        rounds.save_group(session, round_.id, group, **kw)
    for name, weight, kind in SHEETS:
        fields = {"name": name, "kind": "imported", "weight": weight}
        component = campaigns.save_component(session, campaign.id, fields, selector=TargetSelector(kind), **kw)
        _import_sheet(session, component.id, campaign.id, TargetSelector(kind), quality, rng, kw)
    fields = {"name": round_.name, "kind": "round", "round_id": round_.id, "weight": ROUND_WEIGHT}
    campaigns.save_component(session, campaign.id, fields, **kw)
    save_rules(session, campaign.id, {}, **kw)
    rules = load_rules(session, campaign.id)
    for name, kind in LISTS:
        fields = {"name": name, "top_n": TOP_N, "bottom_n": BOTTOM_N, "top_min_ballots": 0}
        fields |= {"top_scope": "overall", "bottom_scope": "overall"}
        save_list(session, campaign.id, fields, TargetSelector(kind), rules=rules, **kw)
    rounds.open_round(session, round_.id, **kw)
    planned = _plan(session, round_, quality, keys, rng, now)
    session.commit()
    yield from demo_ballots.cast(session, planned, keys, now=now)
    rounds.close_round(session, round_.id, **kw)
    session.commit()
    demo_history.score_and_publish(session, campaign.id, kw)
    yield 1


def _add_targets(session: Session, campaign: Campaign, rng: random.Random, kw: dict) -> dict[str, float]:
    """The 186 targets (DW units, CK windows, GZ 股长); returns each code's quality."""
    county = demo.unit_named(session, COUNTY, None, kw)
    names: set[str] = set()
    quality: dict[str, float] = {}

    def add(code: str, name: str, kind: TargetKind, title: str, category, unit: Unit) -> None:
        campaign.targets.append(Target(code=code, name=name, kind=kind, title=title, category=category, unit=unit))
        quality[code] = demo_ballots.draw_quality(rng)

    for index, (category_name, unit_names) in enumerate(UNITS.items()):
        category = organisation.find_or_create_category(session, campaign, category_name)
        units = [demo.unit_named(session, name, county.id, kw) for name in unit_names]
        for unit in units:
            add(f"DW{len(quality) + 1:03d}", unit.name, TargetKind.UNIT, "领导班子", category, unit)
        for unit in units[: WINDOWS_PER_CATEGORY[index]]:
            code = f"CK{sum(c.startswith('CK') for c in quality) + 1:03d}"
            add(code, f"{unit.name.removeprefix('县')}窗口", TargetKind.WINDOW, "政务服务窗口", category, unit)
        for n in range(CHIEFS_PER_CATEGORY[index]):
            code = f"GZ{sum(c.startswith('GZ') for c in quality) + 1:03d}"
            section = SECTIONS[n // len(units) % len(SECTIONS)]
            add(
                code,
                demo.person_name(rng, names),
                TargetKind.PERSON,
                f"{section}股股长",
                category,
                units[n % len(units)],
            )
    session.flush()
    audit.record(session, "target.import", obj=campaign, summary="演示数据", rows=len(quality), **kw)
    return quality


def _import_sheet(session, component_id, campaign_id, selector, quality, rng, kw) -> None:
    """A score sheet (CSV, as an organiser would upload it) for the component's targets."""
    rows = ["编号,得分"]
    for target in session.scalars(select_targets(campaign_id, selector)):
        score = min(100.0, max(40.0, 50 + 45 * quality[target.code] + rng.gauss(0, 3)))
        rows.append(f"{target.code},{score:.1f}")
    import_score_sheet(session, component_id, "演示评分表.csv", "\n".join(rows).encode(), **kw)


def _plan(session, round_, quality, keys, rng, now) -> list[demo_ballots.PlannedBallot]:
    """One batch per rater group, covering the group's targets; each code ticks every one."""
    planned = []
    items, levels = round_.questionnaire.items, round_.questionnaire.levels
    for group, (_name, _kind, _weight, count) in zip(round_.groups, GROUPS, strict=True):
        targets = list(session.scalars(select_targets(round_.campaign_id, group.selector)))
        _batch, codes = issuing.issue_batch(
            session, round_.id, group.id, count, keys, now=now, actor_id=None, label="演示"
        )
        for code in codes:
            answers = {t.id: demo_ballots.draw_answers(rng, quality[t.code], items, levels) for t in targets}
            planned.append(demo_ballots.PlannedBallot(code, answers, {}))
    rng.shuffle(planned)
    return planned
