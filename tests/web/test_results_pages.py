"""The leaders' results pages: ranking, drill-down, charts, turnout, who sees what.

The campaign is the paper campaign (tests/unit/test_scoring_rules.py) with a stored run;
its ranking is known by hand.
"""

from __future__ import annotations

import copy
import json
import re
from urllib.parse import urlencode

import pytest

from surveys.models import Role, ScoringRun, Target
from surveys.services import campaigns, issuing, organisation, publishing, rounds
from tests.builders import PAPER_BALLOTS, build_campaign
from tests.conftest import NOW
from tests.web.results_support import scored_campaign, store_run
from tests.web.support import figures, page_text, row_of, visible_text

KW = {"now": NOW, "actor_id": None}


def ranking_url(ids: dict, **query) -> str:
    return f"/results/campaigns/{ids['campaign']}" + (f"?{urlencode(query)}" if query else "")


@pytest.mark.parametrize("role", [Role.LEADER, Role.ORGANISER, Role.ADMIN])
def test_leaders_and_organisers_see_the_ranking_with_marks_and_the_unranked_apart(client, session, sign_in, role):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)
    sign_in(client, role)

    response = client.get(ranking_url(ids))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert row_of(html, "A2") == "1 1 A2 李四 综合管理 发改委 89.33 满意"
    assert row_of(html, "A1") == "2 2 A1 张三 综合管理 发改委 83.00 比较满意 十佳"
    assert row_of(html, "B1") == "2 1 B1 赵六 行政执法 市场监管局 83.00 比较满意"
    assert row_of(html, "B2") == "4 2 B2 钱七 行政执法 市场监管局 68.40 基本满意 末位"
    assert row_of(html, "A3") == "A3 王五 综合管理 财政局 一票否决 一票否决：收受服务对象礼品"
    assert row_of(html, "B3") == "B3 孙八 行政执法 财政局 数据不足 缺少评分组成“外部评议”的得分"
    order = [html.index(f">{code}<") for code in ("A2", "A1", "B1", "B2", "A3", "B3")]
    assert order == sorted(order)
    assert "十佳 A1 张三" in page_text(response) and "末位 B2 钱七" in page_text(response)
    assert 'class="bottom"' in html and 'class="top"' in html


def test_the_ranking_filters_by_category_and_unit_and_sorts_by_any_column(client, session, sign_in):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)
    sign_in(client, Role.LEADER)

    by_category = page_text(client.get(ranking_url(ids, category="行政执法")))
    by_unit = page_text(client.get(ranking_url(ids, unit="发改委")))
    by_total = client.get(ranking_url(ids, sort="total", order="asc")).get_data(as_text=True)
    by_name = client.get(ranking_url(ids, sort="name", order="desc")).get_data(as_text=True)
    nonsense = client.get(ranking_url(ids, sort="drop+table", category="无此类别"))

    assert "B1 赵六" in by_category and "B2 钱七" in by_category and "A2 李四" not in by_category
    assert "A1 张三" in by_unit and "A2 李四" in by_unit and "B1 赵六" not in by_unit
    assert by_total.index(">B2<") < by_total.index(">A1<") < by_total.index(">A2<")
    names = ["赵六", "钱七", "李四", "张三"]
    assert sorted(names, key=lambda n: by_name.index(f">{n}<")) == sorted(names, reverse=True)
    assert nonsense.status_code == 200 and "没有符合条件的评议对象" in page_text(nonsense)


def run_note(html: str) -> str:
    """The line under the tabs that names the run shown, with its state."""
    match = re.search(r'<p class="muted">(第 \d+ 次计分.*?)</p>', html, flags=re.S)
    return visible_text(match[1]) if match else ""


@pytest.mark.parametrize(("zone", "shown"), [("Asia/Shanghai", "2026-03-01 17:00"), ("UTC", "2026-03-01 09:00")])
def test_the_run_time_is_read_on_the_clocks_of_the_configured_time_zone(make_app, session, make_user, zone, shown):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)  # scored at 09:00 UTC
    client = make_app(TIMEZONE=zone).test_client()
    leader = make_user(Role.LEADER)
    client.post("/login", data={"username": leader.username, "password": "secret-pass-123"})

    assert f"第 1 次计分，{shown}" in run_note(client.get(ranking_url(ids)).get_data(as_text=True))


def test_a_draft_run_is_for_organisers_only_labelled_as_such(client, session, sign_in, make_user):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS, signed=False)
    officer = make_user(Role.UNIT_OFFICER, "fgw", unit_id=session.get(Target, ids["targets"]["A1"]).unit_id)
    organiser, leader = client, client.application.test_client()
    sign_in(organiser, Role.ORGANISER)
    sign_in(leader, Role.LEADER)
    unit = client.application.test_client()
    unit.post("/login", data={"username": officer.username, "password": "secret-pass-123"})

    seen = organiser.get(ranking_url(ids)).get_data(as_text=True)
    assert "第 1 次计分" in run_note(seen) and "未冻结" in run_note(seen)
    assert "领导在组织者冻结后、各单位在领导签发后才能看到" in visible_text(seen)
    assert row_of(seen, "A2").startswith("1 1 A2 李四")
    for reader in (leader, unit):
        page = reader.get(ranking_url(ids))
        assert page.status_code == 200
        assert "尚无可查看的计分结果" in page_text(page) and "李四" not in page_text(page)
        drill = reader.get(f"/results/campaigns/{ids['campaign']}/targets/{ids['targets']['A2']}")
        assert "89.33" not in page_text(drill)
    assert leader.post(f"/reports/campaigns/{ids['campaign']}/results.xlsx?run={ids['run']}").status_code == 404


def test_leaders_read_a_run_once_frozen_and_units_once_signed_while_a_newer_draft_waits(
    client, session, sign_in, make_user
):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)  # run 1: signed off
    draft = store_run(session, ids["campaign"]).id
    officer = make_user(Role.UNIT_OFFICER, "fgw", unit_id=session.get(Target, ids["targets"]["A1"]).unit_id)
    sign_in(client, Role.ORGANISER)
    leader = client.application.test_client()
    sign_in(leader, Role.LEADER)
    unit = client.application.test_client()
    unit.post("/login", data={"username": officer.username, "password": "secret-pass-123"})

    organiser_page = client.get(ranking_url(ids)).get_data(as_text=True)
    # numbered within the campaign: the signed run is its 第 1 次, the draft its 第 2 次
    assert "第 2 次计分" in run_note(organiser_page)
    assert "各单位目前看到的是第 1 次计分" in visible_text(organiser_page)
    assert "第 1 次计分" in run_note(leader.get(ranking_url(ids)).get_data(as_text=True))

    publishing.freeze_run(session, draft, **KW)
    session.commit()
    leader_page = leader.get(ranking_url(ids)).get_data(as_text=True)
    assert "第 2 次计分" in run_note(leader_page) and "已冻结，待领导签发" in run_note(leader_page)
    assert "第 1 次计分" in run_note(unit.get(ranking_url(ids)).get_data(as_text=True))

    publishing.sign_run(session, draft, **KW)
    session.commit()
    assert "第 2 次计分" in run_note(unit.get(ranking_url(ids)).get_data(as_text=True))


def test_the_drill_down_explains_a_total_with_groups_items_trimming_levels_and_comments(client, session, sign_in):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)
    sign_in(client, Role.LEADER)

    response = client.get(f"/results/campaigns/{ids['campaign']}/targets/{ids['targets']['A1']}")

    assert response.status_code == 200
    text = page_text(response)
    assert "总分 83.00" in text and "名次 2 （类别内第 2 名）" in text and "十佳" in text
    assert "服务对象 必需 0.6 5 80.00 62.44 – 97.56 77.8% 45.3% – 93.7%" in text
    assert "去掉最高、最低分各 1 个" in text and "Q1（权重 1.0，n = 4，平均 80.00）" in text
    assert "导入得分 45.0 / 满分 50.0" in text
    assert "各等级票数：非常满意 4、满意 7、基本满意 4" in text
    assert "共 3 条，随机排列，不显示时间。" in text
    listed = set(re.findall(r"<li>([^<]+)</li>", response.get_data(as_text=True)))
    assert {"窗口办事很耐心。", "希望缩短排队时间。", "材料一次告知，点赞。"} <= listed
    assert "整改事项" in text and "暂无整改事项" in text
    assert "levels" in figures(response.get_data(as_text=True))


def test_the_drill_down_reads_in_english_with_its_confidence_intervals(client, session, sign_in):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)
    sign_in(client, Role.LEADER)
    client.post("/language", data={"lang": "en", "next": "/"})

    response = client.get(f"/results/campaigns/{ids['campaign']}/targets/{ids['targets']['A1']}")

    assert response.status_code == 200
    text = page_text(response)
    assert "Confidence interval of the mean (95%)" in text
    assert "Confidence interval of the satisfaction rate (95%)" in text


def test_comments_come_in_the_same_random_order_each_time_not_in_the_order_written(client, session, sign_in):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)
    sign_in(client, Role.LEADER)
    url = f"/results/campaigns/{ids['campaign']}/targets/{ids['targets']['A1']}"

    first = re.findall(r"<li>([^<]+)</li>", client.get(url).get_data(as_text=True))
    second = re.findall(r"<li>([^<]+)</li>", client.get(url).get_data(as_text=True))

    assert first == second  # ordered by the comments' random ids, not by time or insertion
    assert not re.search(r"\d{4}-\d{2}-\d{2}", "".join(first))


def test_a_unit_officer_sees_only_the_own_units_targets_and_ranks(client, session, sign_in, make_user):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)
    own_unit = session.get(Target, ids["targets"]["A1"]).unit_id
    officer = make_user(Role.UNIT_OFFICER, "fgw", unit_id=own_unit)
    client.post("/login", data={"username": officer.username, "password": "secret-pass-123"})

    index = page_text(client.get("/results/"))
    ranking = client.get(ranking_url(ids))
    charts = client.get(f"/results/campaigns/{ids['campaign']}/charts").get_data(as_text=True)
    foreign = client.get(f"/results/campaigns/{ids['campaign']}/targets/{ids['targets']['B1']}")
    own = client.get(f"/results/campaigns/{ids['campaign']}/targets/{ids['targets']['A2']}")

    assert "2026年度评议" in index
    html = ranking.get_data(as_text=True)
    assert row_of(html, "A2") == "1 1 A2 李四 综合管理 发改委 89.33 满意"
    for other in ("B1", "B2", "A3", "B3", "赵六", "钱七", "市场监管局", "财政局"):
        assert other not in page_text(ranking)
        assert other not in json.dumps(figures(charts), ensure_ascii=False)
        assert other not in visible_text(charts)
    assert foreign.status_code == 404
    assert own.status_code == 200 and "89.33" in page_text(own)
    assert client.get(f"/results/campaigns/{ids['campaign']}/turnout").status_code == 403


def test_a_unit_officer_of_an_unrated_unit_sees_no_campaign(client, session, sign_in):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)
    sign_in(client, Role.UNIT_OFFICER)  # a unit of its own, with no targets

    assert "2026年度评议" not in page_text(client.get("/results/"))
    assert "A1" not in page_text(client.get(ranking_url(ids)))


def test_while_a_round_is_open_only_turnout_is_shown(client, session, sign_in, make_campaign, app):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)
    campaign = make_campaign("2027年度评议", 2027)
    round_ = campaign.rounds[0]
    rounds.open_round(session, round_.id, **KW)
    keys = issuing.CodeKeys(derive=app.config["CODE_KEY"].encode(), lookup=app.config["LOOKUP_KEY"].encode())
    batch, _codes = issuing.issue_batch(session, round_.id, round_.groups[0].id, 7, keys, **KW)
    session.commit()
    # A stored run of a campaign whose round then reopened would still be hidden.
    session.execute(ScoringRun.__table__.update().values(campaign_id=campaign.id))
    session.commit()
    sign_in(client, Role.LEADER)
    base = f"/results/campaigns/{campaign.id}"

    pages = [page_text(client.get(base + path)) for path in ("", "/charts", f"/targets/{campaign.targets[0].id}")]
    turnout = page_text(client.get(base + "/turnout"))

    for text in pages:
        assert "评议轮次正在进行中" in text
        assert not re.search(r"\d+\.\d\d", text)  # no score anywhere
    assert "已发放 7 个评议码，已使用 0 个（0.0%）" in turnout
    assert "服务对象 7 0 0.0% 0 0" in turnout
    assert f"第 {batch.id} 批{f' · {batch.label}' if batch.label else ''} 服务对象 7 0 7 0" in turnout
    assert ids["campaign"] != campaign.id


def test_turnout_lists_every_round_that_opened_closed_ones_too(client, session, sign_in):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)  # its rounds are closed
    sign_in(client, Role.LEADER)

    turnout = page_text(client.get(f"/results/campaigns/{ids['campaign']}/turnout"))

    assert "还没有开始过的评议轮次" not in turnout
    assert "已结束" in turnout and "服务对象" in turnout


@pytest.mark.parametrize(("role", "note"), [(Role.ORGANISER, "尚无计分结果"), (Role.LEADER, "尚无可查看的计分结果")])
def test_a_campaign_without_a_run_says_so(client, session, sign_in, role, note):
    ids = build_campaign(session)
    sign_in(client, role)

    assert note in page_text(client.get(ranking_url(ids)))
    assert note in page_text(client.get(f"/results/campaigns/{ids['campaign']}/charts"))


def test_a_target_of_another_campaign_is_not_found(client, session, sign_in, make_campaign):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)
    other = make_campaign("另一活动")
    sign_in(client, Role.LEADER)

    response = client.get(f"/results/campaigns/{ids['campaign']}/targets/{other.targets[0].id}")

    assert response.status_code == 404


def test_the_trend_follows_cloned_campaigns_by_target_code(client, session, sign_in):
    earlier = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)
    first = session.get(ScoringRun, earlier["run"])
    later = campaigns.save_campaign(session, "2027年度评议", 2027, "", **KW)
    later.predecessor_id = earlier["campaign"]
    a2 = session.get(Target, earlier["targets"]["A2"])
    fields = {"code": "A2", "name": "李四", "kind": "person", "category": "综合管理", "unit_id": a2.unit_id}
    target = organisation.save_target(session, later.id, fields, **KW)
    result = copy.deepcopy(first.result)
    next(t for t in result["targets"] if t["code"] == "A2")["total"] = 91.5
    run = ScoringRun(
        campaign_id=later.id, number=1, created_at=NOW, digest="0" * 64, config=first.config, result=result
    )
    session.add(run)
    session.flush()
    publishing.freeze_run(session, run.id, **KW)
    session.commit()
    sign_in(client, Role.LEADER)

    drill = client.get(f"/results/campaigns/{later.id}/targets/{target.id}")
    charts = client.get(f"/results/campaigns/{later.id}/charts")

    trend = figures(drill.get_data(as_text=True))["trend"]
    assert [(line["x"], line["y"]) for line in trend["data"]] == [(["2026年度评议", "2027年度评议"], [89.33, 91.5])]
    lines = figures(charts.get_data(as_text=True))["trend"]["data"]
    assert sorted(line["name"] for line in lines) == ["A1 张三", "A2 李四", "A3 王五", "B1 赵六", "B2 钱七"]


def test_charts_colour_top_and_bottom_and_show_item_means_and_the_gap_only_with_both_rounds(client, session, sign_in):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)
    sign_in(client, Role.LEADER)

    html = client.get(f"/results/campaigns/{ids['campaign']}/charts").get_data(as_text=True)

    got = figures(html)
    bars = got["bars"]["data"][0]
    assert bars["x"] == ["A2 李四", "A1 张三", "B1 赵六", "B2 钱七"]  # ranked only: no vetoed A3
    assert bars["marker"]["color"] == ["#8a9bb0", "#1f7a4d", "#8a9bb0", "#b4232a"]
    heat = got["heatmap"]["data"][0]
    assert heat["x"] == ["Q1 服务态度", "Q2 办事效率"] and "A1 张三" in heat["y"]
    assert "levels" in got and "gap" not in got
    assert "本活动没有同时包含内部评议和外部评议两个轮次" in visible_text(html)
