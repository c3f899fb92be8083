"""Builders the test modules share: casting helpers, the paper campaign (pure and in a
database), scored and published runs, ledger problems. Test modules import these from here,
never from one another."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from evalsite.database import utcnow
from surveys import codes
from surveys.models import (
    Ballot,
    Code,
    CodeStatus,
    Comment,
    ProblemSource,
    PublicPage,
    Rating,
    Role,
    Round,
    ScoringRun,
    Target,
)
from surveys.scoring.config import (
    CampaignConfig,
    ComponentConfig,
    GroupConfig,
    ItemConfig,
    LevelConfig,
    RoundConfig,
    Rules,
    TargetInfo,
)
from surveys.scoring.inputs import Inputs
from surveys.scoring.tally import BallotInput, tally_round
from surveys.services import campaigns, issuing, organisation, problems, publishing, questionnaires, rounds
from surveys.services.casting import (
    cast_ballot,
)
from surveys.services.issuing import CodeKeys
from surveys.services.score_sheets import import_score_sheet
from surveys.services.scoring_rules import save_rules
from surveys.services.scoring_runs import save_run, score_campaign
from surveys.services.vetoes import record_veto
from tests.conftest import NOW
from tests.web.support import fresh, page_text

# --- casting: rounds opened, codes issued and ballots cast through the services --------------

KW = {"now": NOW, "actor_id": None}
KEYS = CodeKeys(derive=b"test-derive-key", lookup=b"test-lookup-key")
HOSTILE = '<script>alert("评议")</script><img src=x onerror="alert(1)"> & </textarea>'


def open_first_round(session, campaign, **round_changes) -> Round:
    """Open the campaign's first round (after applying ``round_changes``) and commit."""
    round_ = campaign.rounds[0]
    if round_changes:
        fields = {
            "name": round_.name,
            "kind": round_.kind.value,
            "questionnaire_id": round_.questionnaire_id,
            "opens_on": round_.opens_on,
            "closes_on": round_.closes_on,
        }
        rounds.save_round(session, campaign.id, fields | round_changes, round_id=round_.id, **KW)
    rounds.open_round(session, round_.id, **KW)
    session.commit()
    return round_


def issue(session, round_: Round, count: int = 1, keys: CodeKeys = KEYS, **scope) -> list[str]:
    """Issue ``count`` codes to the round's first group and commit; ``scope``: target_id or unit_id."""
    _batch, issued = issuing.issue_batch(session, round_.id, round_.groups[0].id, count, keys, **KW, **scope)
    session.commit()
    return issued


def answers_for(round_: Round, targets, level: int = 0) -> dict[int, dict[int, int]]:
    """Every item of every target answered with the level at position ``level``."""
    questionnaire = round_.questionnaire
    return {t.id: {item.id: questionnaire.levels[level].id for item in questionnaire.items} for t in targets}


def counts(engine) -> dict[str, int]:
    """Rows a cast may write, as committed: read on a connection of its own.

    A separate connection leaves the test's session alone, so its next cast opens its own
    transaction as in a request (`claim_write_lock` has to be the first thing it does).
    """
    with engine.connect() as conn:
        return {
            "ballots": conn.scalar(select(func.count()).select_from(Ballot)),
            "ratings": conn.scalar(select(func.count()).select_from(Rating)),
            "comments": conn.scalar(select(func.count()).select_from(Comment)),
            "used codes": conn.scalar(select(func.count()).select_from(Code).where(Code.status != CodeStatus.UNUSED)),
        }


NOTHING = {"ballots": 0, "ratings": 0, "comments": 0, "used codes": 0}


def code_state(engine, code: str) -> tuple[CodeStatus, date | None]:
    """A code's status and day of use, as committed."""
    with engine.connect() as conn:
        row = conn.execute(select(Code.status, Code.used_on).where(Code.digest == codes.digest(KEYS.lookup, code)))
        return tuple(row.one())


def cast(session, code: str, answers, comments: dict[int, str] | None = None, *, now=NOW) -> int:
    """`cast_ballot` as a request makes it: first thing in a transaction of its own.

    The commit only ends the read transaction the test's setup may have left open (lazy
    loads of fixtures); `claim_write_lock` must open the transaction to take the lock.
    """
    session.commit()
    return cast_ballot(session, code, answers, comments or {}, KEYS, now=now)


# --- the paper campaign, worked out by hand in tests/unit/test_scoring_rules.py ----------------

# A tiny language for ballots: "VS S" is 非常满意 on Q1 and 满意 on Q2.
SCALE = (
    LevelConfig(1, 0, "非常满意", 100.0, True, False),
    LevelConfig(2, 1, "满意", 80.0, True, False),
    LevelConfig(3, 2, "基本满意", 60.0, False, False),
    LevelConfig(4, 3, "不满意", 40.0, False, False),
    LevelConfig(5, 4, "非常不满意", 20.0, False, False),
    LevelConfig(6, 5, "不了解", None, False, True),
)
LEVEL = {"VS": 1, "S": 2, "B": 3, "U": 4, "VU": 5, "X": 6}
ITEMS = (ItemConfig(11, "Q1", "服务态度", 1.0), ItemConfig(12, "Q2", "办事效率", 2.0))
G1 = GroupConfig(21, "服务对象", 0.6, 3, True, False)
G2 = GroupConfig(22, "机关干部", 0.4, 2, False, False)


def make_round(*, aggregation="trimmed", trim_k=1, groups=(G1, G2), is_strict=False, status="closed") -> RoundConfig:
    return RoundConfig(31, "外部评议", status, aggregation, trim_k, is_strict, SCALE, ITEMS, tuple(groups))


def ballots_for(plan: dict[str, dict[str, list[str]]], targets: dict[str, int], groups) -> list[BallotInput]:
    """``{"A1": {"服务对象": ["VS S", ...]}}`` → one ballot per answer pair (Q1 level, Q2 level)."""
    by_name = {g.name: g.id for g in groups}
    out = []
    for code, per_group in plan.items():
        for group_name, answers in per_group.items():
            for i, pair in enumerate(answers):
                q1, q2 = pair.split()
                ratings = ((targets[code], 11, LEVEL[q1]), (targets[code], 12, LEVEL[q2]))
                out.append(BallotInput(f"{code}-{group_name}-{i}", by_name[group_name], ratings))
    return out


#: Six targets in two categories; component 外部评议 (weight 0.7) is a trimmed-mean round with
#: k = 1 and groups 服务对象 (0.6, at least 3 ballots, required) and 机关干部 (0.4, at least 2);
#: component 业务考核 (weight 0.3) is an imported sheet out of 50.
PAPER_TARGETS = (
    TargetInfo(1, "A1", "张三", "综合管理", "发改委"),
    TargetInfo(2, "A2", "李四", "综合管理", "发改委"),
    TargetInfo(3, "A3", "王五", "综合管理", "财政局"),
    TargetInfo(4, "B1", "赵六", "行政执法", "市场监管局"),
    TargetInfo(5, "B2", "钱七", "行政执法", "市场监管局"),
    TargetInfo(6, "B3", "孙八", "行政执法", "财政局"),
)
PAPER_BALLOTS = {
    "A1": {"服务对象": ["VS VS", "S S", "X S", "S S", "B B"], "机关干部": ["VS VS", "S S", "B B"]},
    "A2": {"服务对象": ["VS VS", "VS VS", "S VS", "VS S", "S S"], "机关干部": ["B B"]},
    "A3": {"服务对象": ["VS VS"] * 3, "机关干部": ["VS VS"] * 2},
    "B1": {"服务对象": ["VS VS", "S S", "B B"], "机关干部": ["VS VS", "B B"]},
    "B2": {"服务对象": ["B B", "S B", "B S"], "机关干部": ["S S"] * 3},
    "B3": {"服务对象": ["S S"] * 2, "机关干部": ["B B"] * 2},
}
#: target code → (score, max score) on the 业务考核 sheet
PAPER_SHEET = {"A1": (45, 50), "A2": (40, 50), "A3": (50, 50), "B1": (45, 50), "B2": (30, 50), "B3": (40, 50)}
PAPER_VETO = ("A3", "收受服务对象礼品")
PAPER_RULES = Rules(top_n=2, bottom_n=1, top_min_ballots=6, top_min_grade="比较满意", suppress_below=3)
#: code → (status, two-decimal total, grade, rank, category rank, flags), in the order the run lists them
PAPER_EXPECTED = [
    ("A2", "ranked", Decimal("89.33"), "满意", 1, 1, []),
    ("A1", "ranked", Decimal("83.00"), "比较满意", 2, 2, ["top"]),
    ("B1", "ranked", Decimal("83.00"), "比较满意", 2, 1, []),
    ("B2", "ranked", Decimal("68.40"), "基本满意", 4, 2, ["bottom"]),
    ("A3", "vetoed", Decimal("100.00"), None, None, None, []),
    ("B3", "insufficient", None, None, None, None, []),
]


def paper_config(rules: Rules = PAPER_RULES) -> CampaignConfig:
    components = (
        ComponentConfig(41, "外部评议", "round", 0.7, make_round()),
        ComponentConfig(42, "业务考核", "imported", 0.3),
    )
    return CampaignConfig("2026年度评议", 2026, components, rules)


def paper_inputs(config: CampaignConfig) -> Inputs:
    ids = {t.code: t.id for t in PAPER_TARGETS}
    round_ = config.components[0].round
    tallies = tally_round(round_, ballots_for(PAPER_BALLOTS, ids, round_.groups))
    return Inputs(
        targets=PAPER_TARGETS,
        groups=tallies.groups,
        items=tallies.items,
        levels=tallies.levels,
        imported={(42, ids[code]): (float(s), float(m)) for code, (s, m) in PAPER_SHEET.items()},
        vetoes={ids[PAPER_VETO[0]]: (PAPER_VETO[1],)},
    )


# --- the paper campaign in a database ------------------------------------------------------

#: SHA-256 of the paper campaign's inputs, on any database.
GOLDEN_INPUT_DIGEST = "f3f049bcc80fa35e4e165d7b8d9d464a8a632a34e7fe366cd6fc8272c3d436f6"


def round_fields(name: str, questionnaire_id: int, aggregation: str) -> dict:
    """A March 2026 external round of the given aggregation (trimming one ballot each end)."""
    return {
        "name": name,
        "kind": "external",
        "questionnaire_id": questionnaire_id,
        "opens_on": date(2026, 3, 1),
        "closes_on": date(2026, 3, 31),
        "aggregation": aggregation,
        "trim_k": 1,
    }


def build_campaign(session, ballots=PAPER_BALLOTS, *, aggregation="trimmed", close=True) -> dict:
    """The paper campaign of tests/unit/test_scoring_rules.py, built through the services.

    Ballots are inserted directly (no codes), as the scoring only reads ballots and ratings.
    Returns the ids the tests need. Commits.
    """
    campaign = campaigns.save_campaign(session, "2026年度评议", 2026, "", **KW)
    units = {}
    for t in PAPER_TARGETS:
        if t.unit not in units:
            units[t.unit] = organisation.save_unit(session, t.unit, None, **KW).id
        organisation.save_target(
            session,
            campaign.id,
            {"code": t.code, "name": t.name, "kind": "person", "category": t.category, "unit_id": units[t.unit]},
            **KW,
        )
    q = questionnaires.create_questionnaire(session, campaign.id, "科长测评表", "five", with_unknown=True, **KW)
    q1 = questionnaires.save_item(session, q.id, "Q1", "服务态度", 1.0, **KW)
    q2 = questionnaires.save_item(session, q.id, "Q2", "办事效率", 2.0, **KW)
    round_ = rounds.save_round(session, campaign.id, round_fields("外部评议", q.id, aggregation), **KW)
    g1 = rounds.save_group(
        session, round_.id, {"name": "服务对象", "weight": 0.6, "min_ballots": 3, "is_required": True}, **KW
    )
    g2 = rounds.save_group(session, round_.id, {"name": "机关干部", "weight": 0.4, "min_ballots": 2}, **KW)
    fields = {"name": "外部评议", "kind": "round", "round_id": round_.id, "weight": 0.7}
    campaigns.save_component(session, campaign.id, fields, **KW)
    sheet = campaigns.save_component(
        session, campaign.id, {"name": "业务考核", "kind": "imported", "weight": 0.3}, **KW
    )
    rounds.open_round(session, round_.id, **KW)

    targets = {t.code: t.id for t in session.scalars(select(Target).where(Target.campaign_id == campaign.id))}
    levels = {lv.label: lv.id for lv in q.levels}
    label_of = dict(zip(LEVEL, ["非常满意", "满意", "基本满意", "不满意", "非常不满意", "不了解"], strict=True))
    groups = {"服务对象": g1.id, "机关干部": g2.id}
    for code, per_group in ballots.items():
        for group_name, answers in per_group.items():
            for pair in answers:
                ratings = [
                    Rating(target_id=targets[code], item_id=item.id, level_id=levels[label_of[letter]])
                    for item, letter in zip((q1, q2), pair.split(), strict=True)
                ]
                session.add(
                    Ballot(round_id=round_.id, group_id=groups[group_name], cast_on=date(2026, 3, 2), ratings=ratings)
                )
    session.flush()  # every ballot and rating in one flush: a few batched INSERTs, not one round trip each
    if close:
        rounds.close_round(session, round_.id, **KW)
    csv = "编号,姓名,得分,满分\n" + "".join(
        f"{code},{next(t.name for t in PAPER_TARGETS if t.code == code)},{s},{m}\n"
        for code, (s, m) in PAPER_SHEET.items()
    )
    import_score_sheet(session, sheet.id, "业务考核.csv", csv.encode(), **KW)
    record_veto(session, campaign.id, targets[PAPER_VETO[0]], PAPER_VETO[1], **KW)
    rules = {"top_n": 2, "bottom_n": 1, "top_min_ballots": 6, "top_min_grade": "比较满意", "suppress_below": 3}
    save_rules(session, campaign.id, rules, **KW)
    session.commit()
    return {"campaign": campaign.id, "round": round_.id, "targets": targets, "groups": groups}


def fresh_score(session, campaign_id, **kw):
    """Score in a transaction of its own, as the CLI and the pages do."""
    session.commit()
    session.expire_all()
    try:
        return score_campaign(session, campaign_id, **kw)
    finally:
        session.rollback()


#: The paper campaign with A2 down to 4 ballots (3 服务对象, 1 机关干部) and suppression at 5.
FOUR_BALLOTS = {**PAPER_BALLOTS, "A2": {"服务对象": ["VS VS", "S S", "S S"], "机关干部": ["B B"]}}


# --- runs: scored, frozen, signed and published, through the services or the pages ------------


def stored_run(session, campaign_id: int) -> ScoringRun:
    result = fresh_score(session, campaign_id)
    run = save_run(session, result, now=NOW, actor_id=None)
    session.commit()
    return run


def publish_through(session, run_id: int, people) -> ScoringRun:
    organiser, leader = people[Role.ORGANISER], people[Role.LEADER]
    publishing.freeze_run(session, run_id, now=NOW, actor_id=organiser)
    publishing.sign_run(session, run_id, now=NOW, actor_id=leader)
    return publishing.publish_run(session, run_id, now=NOW, actor_id=organiser)


def run_scoring(client, campaign_id: int):
    """Run the scoring from the page (its job, here); returns the run page the job leads to."""
    from tests.jobs_support import run_and_follow

    done = run_and_follow(client.application, client, client.post(f"/admin/campaigns/{campaign_id}/scoring/run"))
    assert done["state"] == "done", done["text"]
    parts = urlsplit(done["result_url"])
    assert parts.path == f"/admin/campaigns/{campaign_id}/runs"
    return client.get(f"{parts.path}?run={parse_qs(parts.query)['run'][0]}")


def scored(session, clients, ballots=PAPER_BALLOTS, suppress_below: int = 3) -> tuple[dict, int]:
    ids = build_campaign(session, ballots)
    save_rules(session, ids["campaign"], {"suppress_below": suppress_below}, now=NOW, actor_id=None)
    session.commit()
    run_scoring(clients["organiser"], ids["campaign"])
    return ids, fresh(session).scalar(select(ScoringRun.id).order_by(ScoringRun.id.desc()))


def move(client, campaign_id: int, action: str, run_id: int, **extra):
    return client.post(f"/publishing/campaigns/{campaign_id}/{action}", data={"run_id": run_id, **extra})


def publish(session, clients, campaign_id: int, run_id: int) -> str:
    for role, action in (("organiser", "freeze"), ("leader", "sign"), ("organiser", "publish")):
        response = move(clients[role], campaign_id, action, run_id)
        assert response.status_code == 302, page_text(response)[:300]
    return fresh(session).scalar(select(PublicPage.token))


# --- the ledger and the codes of a live app --------------------------------------------------

TODAY = utcnow().date()  # the pages' "today" (Asia/Shanghai) is this day or the next
LATER = (TODAY + timedelta(days=20)).isoformat()


def open_problem(session, world, unit_key="unit_a", **kw) -> int:
    fields = problems.ProblemFields(
        "大厅无障碍通道被占用", "", TODAY + timedelta(days=10), unit_id=world[unit_key], **kw
    )
    problem = problems.file_problem(session, world["campaign_id"], fields, ProblemSource.INSPECTION, today=TODAY, **KW)
    session.commit()
    return problem.id


def keys_of(app) -> CodeKeys:
    return CodeKeys(derive=app.config["CODE_KEY"].encode(), lookup=app.config["LOOKUP_KEY"].encode())


#: Three departments, in the order pinyin puts them: 财政局 (cai), 民政局 (min), 税务局 (shui).
DEPARTMENTS = ["税务局", "财政局", "民政局"]


def add_departments(session, campaign) -> None:
    """Per department of `DEPARTMENTS`: two 科长 (persons) and one window, all 行政执法."""
    for number, name in enumerate(DEPARTMENTS, start=1):
        unit = organisation.save_unit(session, name, None, **KW)
        for index, (kind, title) in enumerate([("person", "政策法规科科长"), ("person", "办公室主任"), ("window", "")]):
            organisation.save_target(
                session,
                campaign.id,
                {
                    "code": f"D{number}{index}",
                    "name": f"{name}{index}",
                    "kind": kind,
                    "title": title,
                    "category": "行政执法",
                    "unit_id": unit.id,
                },
                **KW,
            )
