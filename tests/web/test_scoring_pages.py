"""The scoring pages: running the scoring, stored runs, rules, vetoes and imported sheets.

The campaign is the paper campaign of tests/unit/test_scoring_rules.py, built through the
services (tests/integration/test_scoring_db.py): its ranking is known by hand.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from surveys.models import AuditEntry, Component, ComponentKind, Role, ScoringRun, Veto
from tests.builders import GOLDEN_INPUT_DIGEST, build_campaign, run_scoring
from tests.jobs_support import run_and_follow
from tests.web.support import database_rows, fresh, location, page_text


def sheet_component(session, campaign_id: int) -> Component:
    return session.scalar(
        select(Component).where(Component.campaign_id == campaign_id, Component.kind == ComponentKind.IMPORTED)
    )


def test_an_organiser_runs_the_scoring_of_a_closed_round_and_sees_the_ranking(client, session, login):
    ids = build_campaign(session)
    login(Role.ORGANISER)

    run_page = run_scoring(client, ids["campaign"])

    assert run_page.status_code == 200
    text = page_text(run_page)
    assert GOLDEN_INPUT_DIGEST in text
    assert "这是第一次计分" in text
    run = fresh(session).scalar(select(ScoringRun))
    assert run.digest == GOLDEN_INPUT_DIGEST
    scoring = page_text(client.get(f"/admin/campaigns/{ids['campaign']}/scoring"))
    # A2 first, A1 and B1 share rank 2, B2 fourth and last; A3 vetoed with its reason; B3 unranked.
    assert scoring.index("A2 ") < scoring.index("A1 ") < scoring.index("B1 ") < scoring.index("B2 ")
    assert "89.33" in scoring and "68.40" in scoring
    assert "一票否决：收受服务对象礼品" in scoring
    assert "数据不足" in scoring and "十佳" in scoring and "末位" in scoring


def test_scoring_while_a_round_is_open_fails_its_job_in_words_and_stores_nothing(client, session, login):
    ids = build_campaign(session, close=False)
    login(Role.ORGANISER)

    response = client.post(f"/admin/campaigns/{ids['campaign']}/scoring/run")
    done = run_and_follow(client.application, client, response)

    assert done["state"] == "failed" and "result_url" not in done
    assert done["text"] == "未能完成：轮次“外部评议”仍在进行中，结束后才能计分"
    assert "轮次“外部评议”仍在进行中，结束后才能计分" in page_text(client.get(location(response)[0]))
    assert fresh(session).scalar(select(ScoringRun)) is None


def test_the_run_page_shows_the_digest_config_and_a_target_breakdown(client, session, login):
    ids = build_campaign(session)
    login(Role.ORGANISER)
    run_scoring(client, ids["campaign"])

    page = page_text(client.get(f"/admin/campaigns/{ids['campaign']}/runs"))
    breakdown = client.get(f"/admin/campaigns/{ids['campaign']}/runs/targets/{ids['targets']['A1']}")

    assert GOLDEN_INPUT_DIGEST in page
    assert "服务对象" in page and "权重 0.6，最少 3 票" in page
    assert breakdown.status_code == 200
    text = page_text(breakdown)
    assert "83.00" in text and "服务对象" in text and "去掉最高、最低分各 1 个" in text
    assert "Q2（权重 2.0" in text


def test_a_veto_is_recorded_and_revoked_with_audit_entries_and_the_rerun_shows_the_change(client, session, login):
    ids = build_campaign(session)
    login(Role.ORGANISER)
    run_scoring(client, ids["campaign"])
    b2 = ids["targets"]["B2"]

    recorded = client.post(
        f"/admin/campaigns/{ids['campaign']}/vetoes", data={"target_id": b2, "reason": "违反廉洁纪律"}
    )
    assert recorded.status_code == 302
    veto = fresh(session).scalar(select(Veto).where(Veto.target_id == b2))
    assert veto.reason == "违反廉洁纪律"
    rerun = page_text(run_scoring(client, ids["campaign"]))
    assert "B2 状态：已排名 → 一票否决 等次：基本满意 → — 名次：4 → —" in rerun

    veto_id = veto.id
    revoked = client.post(f"/admin/campaigns/{ids['campaign']}/vetoes/revoke", data={"veto_id": veto_id})

    assert revoked.status_code == 302
    assert fresh(session).get(Veto, veto_id) is None
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["veto.record", "scoring.run", "veto.revoke"]


def test_a_veto_without_a_reason_is_refused(client, session, login):
    ids = build_campaign(session)
    login(Role.ORGANISER)
    before = database_rows(session)

    response = client.post(f"/admin/campaigns/{ids['campaign']}/vetoes", data={"target_id": ids["targets"]["B2"]})

    assert response.status_code == 400
    assert database_rows(session) == before


def test_a_bad_score_sheet_is_listed_by_line_and_nothing_is_written(client, session, login):
    ids = build_campaign(session)
    login(Role.ORGANISER)
    component = sheet_component(session, ids["campaign"])
    before = database_rows(session)
    sheet = "编号,姓名,得分,满分\nA1,张三,45,50\nZZ9,,40,50\nA2,,abc,50\n".encode()

    response = client.post(
        f"/admin/components/{component.id}/scores",
        data={"file": (io.BytesIO(sheet), "业务考核.csv"), "max_score": "100"},
    )

    assert response.status_code == 400
    text = page_text(response)
    assert "第 3 行：编号 ZZ9 不是本活动的评议对象" in text
    assert "第 4 行：得分“abc”不是数字" in text
    assert database_rows(session) == before


def test_a_good_score_sheet_replaces_the_scores(client, session, login):
    ids = build_campaign(session)
    login(Role.ORGANISER)
    component = sheet_component(session, ids["campaign"])
    sheet = "编号,得分\nA1,90\nB3,70\n".encode()

    response = client.post(
        f"/admin/components/{component.id}/scores", data={"file": (io.BytesIO(sheet), "s.csv"), "max_score": "100"}
    )

    assert response.status_code == 302
    actions = fresh(session).scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-1] == "scores.import"


def test_rules_saved_on_the_page_suppress_small_groups_on_the_breakdown(client, session, login):
    ids = build_campaign(session)
    login(Role.ORGANISER)
    rules = {
        "top_n": "2",
        "bottom_n": "1",
        "rank_scope": "overall",
        "bottom_threshold": "",
        "top_min_ballots": "6",
        "top_min_grade": "比较满意",
        "grade_bands": "90 满意\n75 比较满意\n60 基本满意\n0 不满意",
        "shrinkage_m": "",
        "suppress_below": "50",
        "burst_per_day": "200",
    }

    saved = client.post(f"/admin/campaigns/{ids['campaign']}/scoring/rules", data=rules)
    assert saved.status_code == 302
    run_scoring(client, ids["campaign"])
    breakdown = page_text(client.get(f"/admin/campaigns/{ids['campaign']}/runs/targets/{ids['targets']['A1']}"))

    assert "— 有效票少于 50 张，为保护匿名不显示" in breakdown
    assert "n = —" in breakdown


def test_a_top_n_larger_than_a_category_holds_is_said_on_the_rules_page_and_the_run(client, session, login):
    """Three targets per category, 十佳 10 and 末位 1 per category: the rules page says each
    category leaves only 2 once its 末位 is taken; the run says the same of what it ranked
    (综合管理 ranks A1 and A2, A3 is vetoed), and no target is both 十佳 and 末位."""
    ids = build_campaign(session)
    login(Role.ORGANISER)
    rules = {"top_n": "10", "bottom_n": "1", "rank_scope": "category", "top_min_ballots": "0"}
    rules |= {"grade_bands": "85 满意\n75 比较满意\n60 基本满意\n0 不满意", "suppress_below": "3"}
    rules |= {"burst_per_day": "200"}
    assert client.post(f"/admin/campaigns/{ids['campaign']}/scoring/rules", data=rules).status_code == 302

    page = page_text(client.get(f"/admin/campaigns/{ids['campaign']}/scoring"))
    run_page = page_text(run_scoring(client, ids["campaign"]))

    assert "类别“综合管理”参与排名的评议对象有 3 个，先定末位 1 个后只剩 2 个，少于十佳名额 10 名" in page
    assert "类别“行政执法”参与排名的评议对象有 3 个，先定末位 1 个后只剩 2 个，少于十佳名额 10 名" in page
    assert "类别“综合管理”参与排名的评议对象有 2 个，先定末位 1 个后只剩 1 个，少于十佳名额 10 名" in run_page
    stored = fresh(session).scalar(select(ScoringRun)).result
    assert not [t["code"] for t in stored["targets"] if {"top", "bottom"} <= set(t["flags"])]
    assert {n["code"] for n in stored["notes"]} == {"top_short_category"}


def test_rules_with_rising_grade_bounds_are_refused(client, session, login):
    ids = build_campaign(session)
    login(Role.ORGANISER)
    rules = {"top_n": "2", "bottom_n": "1", "rank_scope": "overall", "top_min_ballots": "0"}
    rules |= {"grade_bands": "60 及格\n90 优秀\n0 差", "suppress_below": "5", "burst_per_day": "200"}

    response = client.post(f"/admin/campaigns/{ids['campaign']}/scoring/rules", data=rules)

    assert response.status_code == 400
    assert "等次分数线必须从高到低严格递减" in page_text(response)


@pytest.mark.parametrize("role", [Role.LEADER, Role.UNIT_OFFICER])
def test_leaders_and_unit_officers_may_not_see_or_run_the_scoring(client, session, login, role):
    ids = build_campaign(session)
    login(role)

    assert client.get(f"/admin/campaigns/{ids['campaign']}/scoring").status_code == 403
    assert client.post(f"/admin/campaigns/{ids['campaign']}/scoring/run").status_code == 403
    assert fresh(session).scalar(select(ScoringRun)) is None
