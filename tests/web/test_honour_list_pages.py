"""Honour lists and component selectors on the admin pages (DESIGN §6a).

The campaign is the paper campaign (tests/integration/test_scoring_db.py): ranked A2 89.33,
A1 83.00 (综合管理), B1 83.00, B2 68.40 (行政执法); A3 vetoed, B3 insufficient.
"""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import func, select

from surveys.models import AuditEntry, Category, Component, ComponentKind, HonourList, Role, ScoringRun
from surveys.selectors import TargetSelector
from surveys.services import honour_lists
from surveys.services.scoring_runs import load_rules
from tests.builders import build_campaign, publish, run_scoring
from tests.conftest import NOW
from tests.documents import pdf_text
from tests.jobs_support import export
from tests.web.support import fresh, page_text


def download(client, campaign_id: int, kind: str):
    """A report of the campaign's run, made by its job as the page's button asks."""
    return export(client, f"/reports/campaigns/{campaign_id}/{kind}").get_data()


def list_form(name: str, *, category_id="", kind="", top_n="1", bottom_n="0", **extra) -> dict:
    return {
        "name": name,
        "selector-kind": kind,
        "selector-category_id": str(category_id),
        "selector-unit_id": "",
        "top_n": top_n,
        "top_scope": "overall",
        "top_min_ballots": "0",
        "top_min_grade": "",
        "bottom_n": bottom_n,
        "bottom_scope": "overall",
        "bottom_threshold": "",
    } | extra


def category_id(session, campaign_id: int, name: str) -> int:
    return session.scalar(select(Category.id).where(Category.campaign_id == campaign_id, Category.name == name))


def test_an_organiser_defines_two_lists_and_the_run_ranks_within_each(client, session, login):
    """综合管理 (A2, A1) with 十佳 1 and 末位 1: A1 is 末位, A2 十佳. 行政执法 (B1, B2) with 十佳 1:
    B1. Each list shows under its own heading with ranks from 1, and the score JSON says
    which lists each target is in and its rank there."""
    ids = build_campaign(session)
    login(Role.ORGANISER)
    campaign = ids["campaign"]
    first = list_form("综合管理排名", category_id=category_id(session, campaign, "综合管理"), bottom_n="1")
    second = list_form("行政执法排名", category_id=category_id(session, campaign, "行政执法"))

    for form in (first, second):
        response = client.post(f"/admin/campaigns/{campaign}/lists/new", data=form)
        assert response.status_code == 302, page_text(response)[:400]
    scoring_page = page_text(client.get(f"/admin/campaigns/{campaign}/scoring"))
    run_page = page_text(run_scoring(client, campaign))

    assert "综合管理排名" in scoring_page and "行政执法排名" in scoring_page
    assert run_page.index("综合管理排名") < run_page.index("行政执法排名")
    stored = fresh(session).scalar(select(ScoringRun)).result
    rows = {t["code"]: t for t in stored["targets"]}
    assert rows["A2"]["lists"] == [{"name": "综合管理排名", "rank": 1, "category_rank": 1, "flags": ["top"]}]
    assert rows["A1"]["lists"] == [{"name": "综合管理排名", "rank": 2, "category_rank": 2, "flags": ["bottom"]}]
    assert rows["B1"]["lists"] == [{"name": "行政执法排名", "rank": 1, "category_rank": 1, "flags": ["top"]}]
    assert rows["B2"]["lists"][0]["flags"] == []
    assert rows["A3"]["lists"] == [{"name": "综合管理排名", "rank": None, "category_rank": None, "flags": []}]
    assert [lst["name"] for lst in stored["config"]["lists"]] == ["综合管理排名", "行政执法排名"]
    breakdown = page_text(client.get(f"/admin/campaigns/{campaign}/runs/targets/{ids['targets']['A1']}"))
    assert "排名名单“综合管理排名”：第 2 名" in breakdown


def test_bad_lists_are_refused_on_the_same_form_and_nothing_is_written(client, session, login):
    ids = build_campaign(session)
    login(Role.ORGANISER)
    campaign = ids["campaign"]
    before = fresh(session).scalar(select(func.count()).select_from(AuditEntry))
    cases = [
        (list_form("负数名单", top_n="-1"), "十佳名额必须在 0 到 1000000 之间"),
        (list_form("分数线名单", bottom_threshold="150"), "末位分数线超出允许范围"),
        (list_form("窗口名单", kind="window"), "适用范围（类型、类别、单位）不包含本活动的任何评议对象"),
    ]

    for form, message in cases:
        response = client.post(f"/admin/campaigns/{campaign}/lists/new", data=form)

        assert 400 <= response.status_code < 500
        text = page_text(response)
        assert message in text
        assert f'value="{form["name"]}"' in response.get_data(as_text=True)
    assert fresh(session).scalar(select(func.count()).select_from(HonourList)) == 0
    assert fresh(session).scalar(select(func.count()).select_from(AuditEntry)) == before


def test_a_list_can_be_edited_and_deleted(client, session, login):
    ids = build_campaign(session)
    login(Role.ORGANISER)
    campaign = ids["campaign"]
    client.post(f"/admin/campaigns/{campaign}/lists/new", data=list_form("十佳科长", top_n="3"))
    row = fresh(session).scalar(select(HonourList))

    edit_page = client.get(f"/admin/campaigns/{campaign}/lists/{row.id}/edit")
    edited = client.post(f"/admin/campaigns/{campaign}/lists/{row.id}/edit", data=list_form("十佳科长", top_n="2"))
    assert fresh(session).scalar(select(HonourList.top_n)) == 2
    deleted = client.post(f"/admin/campaigns/{campaign}/lists/{row.id}/delete")

    assert edit_page.status_code == 200 and 'value="3"' in edit_page.get_data(as_text=True)
    assert edited.status_code == 302 and deleted.status_code == 302
    assert fresh(session).scalar(select(func.count()).select_from(HonourList)) == 0


def test_a_component_with_a_selector_scores_only_its_targets_and_weights_renormalise(client, session, login):
    """业务考核 (weight 0.3) made to apply to 综合管理 only: 行政执法's totals are their 外部评议
    score alone, and the breakdown shows 100% for it; A1 keeps 70% / 30%."""
    ids = build_campaign(session)
    login(Role.ORGANISER)
    campaign = ids["campaign"]
    sheet = session.scalar(
        select(Component).where(Component.campaign_id == campaign, Component.kind == ComponentKind.IMPORTED)
    )
    form = {"name": "业务考核", "kind": "imported", "round_id": "0", "weight": "0.3", "selector-unit_id": ""}
    form |= {"selector-kind": "", "selector-category_id": str(category_id(session, campaign, "综合管理"))}

    assert client.post(f"/admin/components/{sheet.id}/edit", data=form).status_code == 302
    run_scoring(client, campaign)
    stored = fresh(session).scalar(select(ScoringRun)).result
    rows = {t["code"]: t for t in stored["targets"]}
    b1 = rows["B1"]

    assert [c["name"] for c in b1["components"]] == ["外部评议"]
    assert b1["components"][0]["applied_weight"] == 1.0
    assert b1["total"] == round(b1["components"][0]["score"], 2)
    assert [c["applied_weight"] for c in rows["A1"]["components"]] == [0.7, 0.3]
    breakdown = page_text(client.get(f"/admin/campaigns/{campaign}/runs/targets/{ids['targets']['B1']}"))
    assert "适用于该对象的评分组成：外部评议（100.0%）" in breakdown


def test_a_component_that_applies_to_no_target_is_refused_on_its_form(client, session, login):
    ids = build_campaign(session)
    login(Role.ORGANISER)
    campaign = ids["campaign"]
    sheet = session.scalar(
        select(Component).where(Component.campaign_id == campaign, Component.kind == ComponentKind.IMPORTED)
    )
    form = {"name": "业务考核改", "kind": "imported", "round_id": "0", "weight": "0.3"}
    form |= {"selector-kind": "window", "selector-category_id": "", "selector-unit_id": ""}

    response = client.post(f"/admin/components/{sheet.id}/edit", data=form)

    assert 400 <= response.status_code < 500
    assert "适用范围（类型、类别、单位）不包含本活动的任何评议对象" in page_text(response)
    assert 'value="业务考核改"' in response.get_data(as_text=True)
    assert fresh(session).get(Component, sheet.id).name == "业务考核"


def test_each_list_has_its_heading_with_its_top_and_bottom_on_the_public_page_the_pdf_and_the_xlsx(
    session, clients, tmp_path
):
    ids = build_campaign(session)
    campaign = ids["campaign"]
    rules = load_rules(session, campaign)
    for name, category, bottom_n in (("综合管理排名", "综合管理", 1), ("行政执法排名", "行政执法", 0)):
        fields = {"name": name, "top_n": 1, "bottom_n": bottom_n, "top_scope": "overall", "bottom_scope": "overall"}
        fields |= {"top_min_ballots": 0}
        selector = TargetSelector(category_id=category_id(session, campaign, category))
        honour_lists.save_list(session, campaign, fields, selector, rules=rules, now=NOW, actor_id=None)
    session.commit()
    run_scoring(clients["organiser"], campaign)
    run_id = fresh(session).scalar(select(ScoringRun.id))
    token = publish(session, clients, campaign, run_id)

    public = page_text(clients["anonymous"].get(f"/public/{token}"))
    leader = page_text(clients["leader"].get(f"/results/campaigns/{campaign}"))
    pdf = pdf_text(download(clients["leader"], campaign, "report.pdf"), tmp_path)
    book = load_workbook(io.BytesIO(download(clients["leader"], campaign, "results.xlsx")))

    assert re.search(r"综合管理排名 十佳 1 李四 .*89\.33.* 末位 2 张三 .*83\.00", public)
    assert re.search(r"行政执法排名 十佳 1 赵六 .*83\.00", public)
    assert public.index("综合管理排名") < public.index("行政执法排名")
    assert "综合管理排名 十佳 A2 李四 末位 A1 张三 行政执法排名 十佳 B1 赵六" in leader
    assert re.search(r"综合管理排名\s+十佳（1）.*李四.*末位（1）.*张三", pdf, re.S)
    assert re.search(r"行政执法排名\s+十佳（1）.*赵六.*末位（0）", pdf, re.S)
    listed = [row for row in book["排名名单"].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[1], r[3], r[9]) for r in listed] == [
        ("综合管理排名", 1, "A2", "十佳"),
        ("综合管理排名", 2, "A1", "末位"),
        ("综合管理排名", "—", "A3", None),  # vetoed: in the list, no rank
        ("行政执法排名", 1, "B1", "十佳"),
        ("行政执法排名", 2, "B2", None),
        ("行政执法排名", "—（票数过少）", "B3", None),  # 2 ballots: hidden, no rank
    ]
