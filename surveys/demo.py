"""A demo campaign modelled on Baoji's 万名群众评议百名科长, built through the services.

Everything is derived from one seed, so the same seed always gives the same units, chiefs,
names and passwords. Nothing here commits: the caller (``flask seed-demo``) does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.demo_ledger import seed_ledger
from surveys.errors import Conflict
from surveys.models import Campaign, Role, Round, Target, TargetKind, Unit
from surveys.services import audit, campaigns, organisation, questionnaires, rounds, users

CITY = "宝鸡市人民政府"
UNITS = (
    "市发展和改革委员会",
    "市教育局",
    "市科学技术局",
    "市工业和信息化局",
    "市公安局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源和社会保障局",
    "市自然资源局",
    "市生态环境局",
    "市住房和城乡建设局",
    "市交通运输局",
    "市水利局",
    "市农业农村局",
    "市商务局",
    "市文化和旅游局",
    "市卫生健康委员会",
    "市退役军人事务局",
    "市应急管理局",
    "市审计局",
    "市市场监督管理局",
    "市医疗保障局",
    "市行政审批服务局",
    "市城市管理执法局",
)
#: The unit the demo unit officer belongs to.
OFFICER_UNIT = "市行政审批服务局"
CHIEFS = 189
#: Sections (科室) by ranking category; a chief's title is the section name + 科科长.
SECTIONS = {
    "综合管理": ("综合", "政策法规", "规划发展", "财务审计", "人事教育", "机关党建", "督查考核", "信息宣传"),
    "行政执法": ("行政审批", "执法监督", "稽查", "行政许可", "安全监管", "案件审理", "综合执法", "质量监督"),
    "社会服务": ("政务服务", "信访接待", "社会事务", "公共服务", "便民服务", "就业服务", "权益保障", "咨询服务"),
}
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
    "阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂华建国文辉玲红志鹏宇海峰斌晓亮林博雪婷琳凯浩晨欣宁瑞嘉琪颖俊毅鑫"
ITEMS = (
    ("Q1", "服务态度：热情周到，文明礼貌，不推诿扯皮", 0.2),
    ("Q2", "办事效率：按时限办结，不拖延，一次性告知", 0.2),
    ("Q3", "依法行政：依法依规履职，程序规范，公开透明", 0.15),
    ("Q4", "廉洁自律：不吃拿卡要，不收受好处", 0.15),
    ("Q5", "工作作风：深入基层，务实担当，敢于碰硬", 0.15),
    ("Q6", "群众满意度：对该科长的总体评价", 0.15),
)
INTERNAL_GROUPS = (("机关干部", 0.4), ("人大代表和政协委员", 0.3), ("特邀监督员", 0.3))
EXTERNAL_GROUPS = (("服务对象", 0.7), ("基层代表", 0.3))
MIN_BALLOTS = 5
LOGINS = (
    (Role.ADMIN, "admin", "系统管理员"),
    (Role.ORGANISER, "organiser", "市纠风办"),
    (Role.LEADER, "leader", "分管领导"),
    (Role.UNIT_OFFICER, "unit_officer", "行政审批服务局联络员"),
)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str


def has_data(session: Session) -> bool:
    """True once any campaign exists, demo or not."""
    return session.scalar(select(Campaign.id).limit(1)) is not None


def newest_campaign(session: Session) -> Campaign:
    """The campaign created last (the one ``seed`` just built)."""
    return session.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(1)).one()


def seed(session: Session, *, seed: int, now: datetime) -> list[DemoLogin]:
    """Build the demo campaign of ``now``'s year and a login per role; flush, never commit.

    The campaign has 189 section chiefs of 25 city departments in three categories, a
    draft internal round (trimmed mean, k = 1) and an open external round, weighted 40/60.
    Units that already exist (by name) are reused. A login whose username is already
    taken is left as it is and not returned, so the list may be shorter than four.
    """
    rng = random.Random(seed)  # noqa: S311 -- demo data is meant to be reproducible, not secret  # nosec B311
    kw = {"now": now, "actor_id": None}
    year = now.year
    campaign = campaigns.save_campaign(
        session,
        f"{year}年度万名群众评议百名科长",
        year,
        "组织服务对象、基层代表、机关干部、人大代表和政协委员、特邀监督员，对市直部门科长的服务态度、"
        "办事效率、依法行政、廉洁自律和工作作风进行评议；排名末五位的科长取消当年评优评先资格。",
        **kw,
    )
    city = unit_named(session, CITY, None, kw)
    units = [unit_named(session, name, city.id, kw) for name in UNITS]
    _add_chiefs(session, campaign, units, rng, kw)

    form = questionnaires.create_questionnaire(session, campaign.id, "科长测评表", "five", with_unknown=True, **kw)
    for code, text, weight in ITEMS:
        questionnaires.save_item(session, form.id, code, text, weight, **kw)
    internal = _round(
        session,
        campaign.id,
        INTERNAL_GROUPS,
        kw,
        {
            "name": "内部评议",
            "kind": "internal",
            "questionnaire_id": form.id,
            "opens_on": day_in_year(now, 21),
            "closes_on": day_in_year(now, 35),
            "aggregation": "trimmed",
            "trim_k": 1,
        },
    )
    external = _round(
        session,
        campaign.id,
        EXTERNAL_GROUPS,
        kw,
        {
            "name": "外部评议",
            "kind": "external",
            "questionnaire_id": form.id,
            "opens_on": day_in_year(now, -7),
            "closes_on": day_in_year(now, 45),
        },
    )
    for round_, weight in ((internal, 0.4), (external, 0.6)):
        campaigns.save_component(
            session, campaign.id, {"name": round_.name, "kind": "round", "round_id": round_.id, "weight": weight}, **kw
        )
    rounds.open_round(session, external.id, **kw)
    seed_ledger(session, campaign, units, now=now)
    officer_unit = next(u for u in units if u.name == OFFICER_UNIT)
    return _create_logins(session, seed, officer_unit, now)


def unit_named(session: Session, name: str, parent_id: int | None, kw: dict) -> Unit:
    existing = session.scalar(select(Unit).where(Unit.name == name))
    return existing or organisation.save_unit(session, name, parent_id, **kw)


def _add_chiefs(session: Session, campaign: Campaign, units: list[Unit], rng: random.Random, kw: dict) -> None:
    """189 chiefs: 7 or 8 per unit, at least two sections of each category per unit."""
    categories = {name: organisation.find_or_create_category(session, campaign, name) for name in SECTIONS}
    extra = set(rng.sample(range(len(units)), CHIEFS - 7 * len(units)))
    order = [(name, section) for name, sections in SECTIONS.items() for section in sections]
    names: set[str] = set()
    for index, unit in enumerate(units):
        picked = {(name, s) for name, sections in SECTIONS.items() for s in rng.sample(sections, 2)}
        rest = [pair for pair in order if pair not in picked]
        picked.update(rng.sample(rest, (8 if index in extra else 7) - len(picked)))
        for category, section in sorted(picked, key=order.index):
            name = person_name(rng, names)
            campaign.targets.append(
                Target(
                    code=f"KZ{len(names):03d}",
                    name=name,
                    kind=TargetKind.PERSON,
                    title=f"{section}科科长",
                    category=categories[category],
                    unit=unit,
                )
            )
    session.flush()
    audit.record(session, "target.import", obj=campaign, summary="演示数据", rows=len(names), **kw)


def person_name(rng: random.Random, taken: set[str]) -> str:
    """A plausible name not yet taken: a surname and one or (mostly) two given characters."""
    while True:
        given = rng.choice(GIVEN) if rng.random() < 0.25 else "".join(rng.sample(GIVEN, 2))
        name = rng.choice(SURNAMES) + given
        if name not in taken:
            taken.add(name)
            return name


def _round(session: Session, campaign_id: int, groups: tuple[tuple[str, float], ...], kw: dict, fields: dict) -> Round:
    round_ = rounds.save_round(session, campaign_id, fields, **kw)
    for group, weight in groups:
        rounds.save_group(session, round_.id, {"name": group, "weight": weight, "min_ballots": MIN_BALLOTS}, **kw)
    return round_


def day_in_year(now: datetime, offset: int) -> date:
    """``now`` moved by ``offset`` days, kept inside ``now``'s year."""
    day = now.date() + timedelta(days=offset)
    return min(max(day, date(now.year, 1, 1)), date(now.year, 12, 31))


def _create_logins(session: Session, seed: int, unit: Unit, now: datetime) -> list[DemoLogin]:
    # A stream of its own, so passwords stay put when the name lists change.
    rng = random.Random(f"{seed}-logins")  # noqa: S311 -- demo passwords are printed for the user anyway  # nosec B311
    logins = []
    for role, username, display_name in LOGINS:
        # Never the username inside: the password rule refuses that (surveys.passwords).
        password = f"demo-{role.value[:3]}-{rng.randrange(10**6):06d}"
        try:
            users.create_user(
                session,
                username,
                password,
                role,
                now=now,
                display_name=display_name,
                unit_id=unit.id if role is Role.UNIT_OFFICER else None,
            )
        except Conflict:  # the username is taken (e.g. an admin made before seeding)
            continue
        logins.append(DemoLogin(role.value, username, password))
    session.flush()
    return logins
