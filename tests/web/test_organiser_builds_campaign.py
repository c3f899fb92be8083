"""An organiser builds Baoji's 百名科长 campaign through the pages alone, from nothing to
next year's draft. Ids come from redirects and pages, as a browser would find them; the
database is only read, to check what the pages did."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from surveys.models import (
    Campaign,
    Component,
    ComponentKind,
    Item,
    Questionnaire,
    RaterGroup,
    Round,
    RoundStatus,
    Target,
    TargetKind,
    Unit,
)
from tests.web.support import (
    DEPARTMENTS,
    csv_bytes,
    database_rows,
    fresh,
    id_in,
    page_text,
    roster_rows,
    upload,
)

NAME = "2026年度万名群众评议百名科长"
NEXT_NAME = "2027年度万名群众评议百名科长"
HOME_UNIT = DEPARTMENTS[0]  # 市行政审批服务局: added by hand, then named again in the roster
BY_HAND = [
    ("SP001", "赵一", "行政审批科科长", "综合管理"),
    ("SP002", "钱二", "政务服务科科长", "社会服务"),
    ("SP003", "孙三", "综合执法科科长", "行政执法"),
]
INTERNAL_GROUPS = [("机关干部", "0.5", "y"), ("人大代表", "0.3", ""), ("特邀监督员", "0.2", "")]
EXTERNAL_GROUPS = [("服务对象", "0.7", "y"), ("群众代表", "0.3", "")]


def post(client, url: str, data: dict, status: int = 302, **kwargs):
    response = client.post(url, data=data, **kwargs)
    assert response.status_code == status, f"{url}: {response.status_code} {page_text(response)[:500]}"
    return response


def ids_on(page, pattern: str) -> list[int]:
    return [int(found) for found in re.findall(pattern, page.text)]


def option_value(page, label: str) -> int:
    match = re.search(rf'<option[^>]*value="(\d+)"[^>]*>{re.escape(label)}</option>', page.text)
    assert match, f"no option {label!r}"
    return int(match.group(1))


def level_inputs(page) -> dict[str, int]:
    """Level label → id, from the points inputs of the questionnaire page."""
    found = re.findall(r'<input name="points-(\d+)"[^>]*aria-label="([^"]+)"', page.text)
    return {label: int(level_id) for level_id, label in found}


def test_an_organiser_builds_a_campaign_through_the_pages_and_clones_it_for_next_year(client, login, session):
    login()

    # The campaign, and one unit by hand.
    created = post(client, "/admin/campaigns/new", {"name": NAME, "year": "2026", "description": "宝鸡市"})
    campaign_id = id_in(created.headers["Location"], r"/admin/campaigns/(\d+)$")
    post(client, "/admin/units", {"name": HOME_UNIT, "parent_id": "0"})
    unit_id = option_value(client.get(f"/admin/campaigns/{campaign_id}/targets/new"), HOME_UNIT)

    # Three section chiefs by hand, then the 189 of the roster from a CSV.
    for code, name, title, category in BY_HAND:
        post(
            client,
            f"/admin/campaigns/{campaign_id}/targets/new",
            {"code": code, "name": name, "kind": "person", "title": title, "category": category, "unit_id": unit_id},
        )
    imported = post(
        client,
        f"/admin/campaigns/{campaign_id}/targets/import",
        upload(csv_bytes(roster_rows(189)), "百名科长名单.csv"),
        content_type="multipart/form-data",
    )
    listing = client.get(imported.headers["Location"])
    assert "已导入 189 个评议对象" in page_text(listing)
    assert re.search(r"<h1>[^<]*评议对象 <span class=\"muted\">192</span></h1>", listing.text)
    assert len(ids_on(listing, r"/admin/targets/(\d+)/edit")) == 50  # the first page of four
    assert "BJ189" in client.get(f"/admin/campaigns/{campaign_id}/targets?page=4").text

    # A three-level questionnaire with 不了解, three weighted items, and new points.
    made = post(
        client,
        f"/admin/campaigns/{campaign_id}/questionnaires/new",
        {"name": "科长测评表", "preset": "three", "with_unknown": "y"},
    )
    questionnaire_id = id_in(made.headers["Location"], r"/admin/questionnaires/(\d+)$")
    for code, text, weight in [("Q1", "服务态度", "0.3"), ("Q2", "办事效率", "0.3"), ("Q3", "廉洁自律", "0.4")]:
        post(client, f"/admin/questionnaires/{questionnaire_id}/items", {"code": code, "text": text, "weight": weight})
    levels = level_inputs(client.get(f"/admin/questionnaires/{questionnaire_id}"))
    assert list(levels) == ["满意", "基本满意", "不满意"]  # 不了解 has no points to edit
    post(
        client,
        f"/admin/questionnaires/{questionnaire_id}/levels",
        {f"points-{levels['满意']}": "100", f"points-{levels['基本满意']}": "80", f"points-{levels['不满意']}": "50"},
    )

    # An internal and an external round on that questionnaire, each with weighted rater groups.
    round_ids = {}
    for name, kind, opens_on, closes_on, aggregation, trim_k in [
        ("内部评议", "internal", "2026-03-01", "2026-03-15", "trimmed", "1"),
        ("外部评议", "external", "2026-03-16", "2026-04-15", "mean", "0"),
    ]:
        saved = post(
            client,
            f"/admin/campaigns/{campaign_id}/rounds/new",
            {
                "name": name,
                "kind": kind,
                "questionnaire_id": questionnaire_id,
                "opens_on": opens_on,
                "closes_on": closes_on,
                "aggregation": aggregation,
                "trim_k": trim_k,
            },
        )
        round_ids[kind] = id_in(saved.headers["Location"], r"/admin/rounds/(\d+)$")
    internal, external = round_ids["internal"], round_ids["external"]
    for round_id, groups in [(internal, INTERNAL_GROUPS), (external, EXTERNAL_GROUPS)]:
        for name, weight, required in groups:
            fields = {"name": name, "weight": weight, "min_ballots": "5", "is_required": required}
            post(client, f"/admin/rounds/{round_id}/groups", fields)

    # The total: both rounds and an imported score sheet (业务考核).
    for name, kind, round_id, weight in [
        ("内部评议", "round", internal, "0.3"),
        ("外部评议", "round", external, "0.5"),
        ("业务考核", "imported", 0, "0.2"),
    ]:
        post(
            client,
            f"/admin/campaigns/{campaign_id}/components",
            {"name": name, "kind": kind, "round_id": round_id, "weight": weight},
        )

    db = fresh(session)
    campaign = db.get(Campaign, campaign_id)
    assert (campaign.name, campaign.year, len(campaign.targets)) == (NAME, 2026, 192)
    assert db.scalar(select(func.count()).select_from(Unit)) == len(DEPARTMENTS)  # the roster reused 市行政审批服务局
    chief = db.scalar(select(Target).where(Target.campaign_id == campaign_id, Target.code == "SP003"))
    assert (chief.name, chief.kind, chief.category.name, chief.unit.name) == (
        "孙三",
        TargetKind.PERSON,
        "行政执法",
        HOME_UNIT,
    )
    questionnaire = db.get(Questionnaire, questionnaire_id)
    assert [(i.code, i.weight) for i in questionnaire.items] == [("Q1", 0.3), ("Q2", 0.3), ("Q3", 0.4)]
    assert [(lv.label, lv.points, lv.is_positive, lv.is_excluded) for lv in questionnaire.levels] == [
        ("满意", 100, True, False),
        ("基本满意", 80, True, False),
        ("不满意", 50, False, False),
        ("不了解", None, False, True),
    ]
    assert [(g.name, g.weight, g.is_required) for g in db.get(Round, internal).groups] == [
        ("机关干部", 0.5, True),
        ("人大代表", 0.3, False),
        ("特邀监督员", 0.2, False),
    ]
    assert db.get(Round, internal).trim_k == 1
    assert [(c.name, c.kind, c.round_id, c.weight) for c in campaign.components] == [
        ("内部评议", ComponentKind.ROUND, internal, 0.3),
        ("外部评议", ComponentKind.ROUND, external, 0.5),
        ("业务考核", ComponentKind.IMPORTED, None, 0.2),
    ]

    # Open the external round: its questionnaire, scale, groups and weights freeze.
    opened = post(client, f"/admin/rounds/{external}/open", {})
    assert "轮次已开放，配置已冻结" in page_text(client.get(opened.headers["Location"]))
    frozen = fresh(session).get(Round, external)
    assert frozen.status is RoundStatus.OPEN
    assert [g["weight"] for g in frozen.frozen_config["groups"]] == [0.7, 0.3]
    assert [i["weight"] for i in frozen.frozen_config["items"]] == [0.3, 0.3, 0.4]

    item_ids = ids_on(client.get(f"/admin/questionnaires/{questionnaire_id}"), r"/admin/items/(\d+)/edit")
    assert item_ids == []  # the page no longer offers edits
    item_id = db.scalar(select(Item.id).where(Item.questionnaire_id == questionnaire_id, Item.code == "Q1"))
    group_id = db.scalar(select(RaterGroup.id).where(RaterGroup.round_id == external, RaterGroup.name == "服务对象"))
    questionnaire_frozen = "测评表“科长测评表”已被开放的轮次使用，不能再修改"
    round_frozen = "轮次“外部评议”已开放，其测评表、评议主体和权重不能再修改"
    before = database_rows(session)
    for url, data, message in [
        (f"/admin/questionnaires/{questionnaire_id}/items", {"code": "Q4", "text": "群众口碑", "weight": "1"}, None),
        (f"/admin/items/{item_id}/edit", {"code": "Q1", "text": "服务态度", "weight": "0.9"}, None),
        (f"/admin/items/{item_id}/delete", {}, None),
        (
            f"/admin/questionnaires/{questionnaire_id}/levels",
            {f"points-{i}": p for i, p in zip(levels.values(), ["97", "70", "50"], strict=True)},
            None,
        ),
        (f"/admin/rounds/{external}/groups", {"name": "网络问政", "weight": "0.1", "min_ballots": "5"}, round_frozen),
        (f"/admin/groups/{group_id}/edit", {"name": "服务对象", "weight": "0.9", "min_ballots": "5"}, round_frozen),
        (f"/admin/groups/{group_id}/delete", {}, round_frozen),
        (
            f"/admin/rounds/{external}/edit",
            {
                "name": "外部评议",
                "kind": "external",
                "questionnaire_id": questionnaire_id,
                "opens_on": "2026-03-16",
                "closes_on": "2026-04-15",
                "aggregation": "median",
                "trim_k": "0",
            },
            "轮次“外部评议”正在进行中，只能修改名称和结束日期",
        ),
    ]:
        refused = post(client, url, data, status=409)
        assert (message or questionnaire_frozen) in page_text(refused), url
    assert database_rows(session) == before

    # Its name may still change (nothing scored depends on it while it is open).
    round_form = {"kind": "external", "questionnaire_id": questionnaire_id, "opens_on": "2026-03-16"}
    round_form |= {"closes_on": "2026-04-15", "aggregation": "mean", "trim_k": "0"}
    post(client, f"/admin/rounds/{external}/edit", {**round_form, "name": "群众评议"})
    assert fresh(session).get(Round, external).name == "群众评议"
    post(client, f"/admin/rounds/{external}/edit", {**round_form, "name": "外部评议"})

    # The internal round is still a draft: its own groups can still be weighed differently.
    internal_group = fresh(session).scalar(
        select(RaterGroup.id).where(RaterGroup.round_id == internal, RaterGroup.name == "人大代表")
    )
    post(client, f"/admin/groups/{internal_group}/edit", {"name": "人大代表", "weight": "0.25", "min_ballots": "5"})
    assert fresh(session).get(RaterGroup, internal_group).weight == 0.25

    # Close the external round, then copy the whole campaign as next year's draft.
    post(client, f"/admin/rounds/{external}/close", {})
    assert fresh(session).get(Round, external).status is RoundStatus.CLOSED
    clone_page = client.get(f"/admin/campaigns/{campaign_id}/clone")
    assert NEXT_NAME in clone_page.text and 'value="2027"' in clone_page.text
    cloned = post(client, f"/admin/campaigns/{campaign_id}/clone", {"name": NEXT_NAME, "year": "2027"})
    copy_id = id_in(cloned.headers["Location"], r"/admin/campaigns/(\d+)$")
    assert f"复制自 {NAME}" in page_text(client.get(cloned.headers["Location"]))

    db = fresh(session)
    copy = db.get(Campaign, copy_id)
    assert (copy.name, copy.year, copy.predecessor_id) == (NEXT_NAME, 2027, campaign_id)
    assert sorted(t.code for t in copy.targets) == sorted(t.code for t in db.get(Campaign, campaign_id).targets)
    assert len(copy.targets) == 192
    assert [(r.name, r.status, r.opens_on, r.closes_on, r.frozen_config) for r in copy.rounds] == [
        ("内部评议", RoundStatus.DRAFT, date(2027, 3, 1), date(2027, 3, 15), None),
        ("外部评议", RoundStatus.DRAFT, date(2027, 3, 16), date(2027, 4, 15), None),
    ]
    assert [[(g.name, g.weight) for g in r.groups] for r in copy.rounds] == [
        [("机关干部", 0.5), ("人大代表", 0.25), ("特邀监督员", 0.2)],
        [("服务对象", 0.7), ("群众代表", 0.3)],
    ]
    (copied_questionnaire,) = copy.questionnaires
    assert all(r.questionnaire_id == copied_questionnaire.id for r in copy.rounds)
    assert [(i.code, i.weight) for i in copied_questionnaire.items] == [("Q1", 0.3), ("Q2", 0.3), ("Q3", 0.4)]
    assert [lv.points for lv in copied_questionnaire.levels] == [100, 80, 50, None]
    copied_round_ids = {r.name: r.id for r in copy.rounds}
    assert [(c.name, c.round_id, c.weight) for c in copy.components] == [
        ("内部评议", copied_round_ids["内部评议"], 0.3),
        ("外部评议", copied_round_ids["外部评议"], 0.5),
        ("业务考核", None, 0.2),
    ]
    # The source keeps its closed round; the copy's rounds can be configured again.
    assert db.get(Round, external).status is RoundStatus.CLOSED
    assert db.scalar(select(func.count()).select_from(Component).where(Component.campaign_id == campaign_id)) == 3
