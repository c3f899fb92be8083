"""Publishing through the pages: freeze, sign off, publish, withdraw, and the public results page."""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from surveys.models import AuditEntry, Honour, ProblemSource, PublicPage, RunState, ScoringRun, Target
from surveys.services import problems, publishing
from tests.builders import (
    FOUR_BALLOTS,
    GOLDEN_INPUT_DIGEST,
    move,
    publish,
    scored,
)
from tests.conftest import NOW
from tests.web.support import database_rows, fresh, page_text


def test_a_run_is_frozen_signed_off_and_published_and_the_public_sees_that_snapshot(session, clients):
    ids, run_id = scored(session, clients)
    run_page = page_text(clients["organiser"].get(f"/admin/campaigns/{ids['campaign']}/runs?run={run_id}"))
    assert "状态：未冻结" in run_page and "冻结，提交领导签发" in run_page

    assert move(clients["organiser"], ids["campaign"], "freeze", run_id).status_code == 302
    awaiting = page_text(clients["leader"].get("/publishing", follow_redirects=True))  # with or without the slash
    assert "待签发" in awaiting and "第 1 次计分" in awaiting and "已冻结，待领导签发" in awaiting
    leader_view = page_text(clients["leader"].get(f"/publishing/campaigns/{ids['campaign']}"))
    assert "签发" in leader_view and GOLDEN_INPUT_DIGEST in leader_view and "89.33" in leader_view
    assert move(clients["leader"], ids["campaign"], "sign", run_id).status_code == 302
    assert move(clients["organiser"], ids["campaign"], "publish", run_id).status_code == 302
    token = fresh(session).scalar(select(PublicPage.token))

    public = clients["anonymous"].get(f"/public/{token}")

    assert public.status_code == 200
    text = page_text(public)
    assert "十佳" in text and "末位" in text and "综合管理 排名" in text and "行政执法 排名" in text
    assert re.search(r"十佳 2 张三 发改委 · 综合管理 83\.00 比较满意 末位", text)
    assert re.search(r"末位 4 钱七 市场监管局 · 行政执法 68\.40 基本满意", text)
    assert "1 李四 发改委 89.33 满意" in text
    assert GOLDEN_INPUT_DIGEST in text and "flask score" in text
    assert "红榜：整改典型" in text and "黑榜：整改不力" in text and "暂无" in text
    assert "收受服务对象礼品" not in text  # a veto's reason is an internal note
    runs = select(AuditEntry.action).where(AuditEntry.action.like("run.%")).order_by(AuditEntry.id)
    actions = session.scalars(runs).all()
    assert actions == ["run.freeze", "run.sign", "run.publish"]


def test_the_public_json_is_the_suppressed_snapshot_with_the_signed_digest(session, clients):
    ids, run_id = scored(session, clients, FOUR_BALLOTS, suppress_below=5)
    token = publish(session, clients, ids["campaign"], run_id)
    run = session.get(ScoringRun, run_id)

    response = clients["anonymous"].get(f"/public/{token}/snapshot.json")

    assert response.status_code == 200 and response.mimetype == "application/json"
    data = json.loads(response.get_data(as_text=True))
    assert data["digest"] == run.digest
    assert data == json.loads(json.dumps(publishing.public_snapshot(run)))
    assert "integrity" not in data
    a2 = next(t for t in data["targets"] if t["code"] == "A2")
    groups = a2["components"][0]["groups"]
    assert [(g["name"], g["suppressed"], g["score"], g["sd"], g["items"][0]["mean"]) for g in groups] == [
        ("服务对象", True, None, None, None),
        ("机关干部", True, None, None, None),
    ]
    assert {lv["count"] for lv in a2["components"][0]["levels"]} == {None}


def test_moves_the_state_forbids_are_refused_with_409_and_write_nothing(session, clients):
    ids, run_id = scored(session, clients)
    before = database_rows(session)

    assert move(clients["leader"], ids["campaign"], "sign", run_id).status_code == 409
    assert move(clients["organiser"], ids["campaign"], "publish", run_id).status_code == 409
    refused = move(clients["organiser"], ids["campaign"], "withdraw", run_id, reason="更正")

    assert refused.status_code == 409
    assert "第 1 次计分当前为“未冻结”，不能改为“已撤回”" in page_text(refused)
    assert database_rows(session) == before


def test_freezing_twice_says_it_is_done_already_and_writes_nothing(session, clients):
    ids, run_id = scored(session, clients)
    assert move(clients["organiser"], ids["campaign"], "freeze", run_id).status_code == 302
    before = database_rows(session)

    again = move(clients["organiser"], ids["campaign"], "freeze", run_id)

    assert again.status_code == 409
    assert "第 1 次计分已经是“已冻结，待领导签发”，无需重复操作" in page_text(again)
    assert database_rows(session) == before


@pytest.mark.parametrize(
    ("role", "action"),
    [("leader", "freeze"), ("organiser", "sign"), ("admin", "sign"), ("leader", "publish"), ("unit_officer", "sign")],
)
def test_each_move_belongs_to_its_role(session, clients, role, action):
    ids, run_id = scored(session, clients)
    if action == "sign":
        move(clients["organiser"], ids["campaign"], "freeze", run_id)

    response = move(clients[role], ids["campaign"], action, run_id)

    assert response.status_code == 403


def test_a_run_of_another_campaign_or_a_bad_form_is_refused(session, clients):
    ids, run_id = scored(session, clients)
    before = database_rows(session)

    assert move(clients["organiser"], ids["campaign"] + 1, "freeze", run_id).status_code == 404
    assert (
        clients["organiser"].post(f"/publishing/campaigns/{ids['campaign']}/freeze", data={"run_id": "x"}).status_code
        == 400
    )
    assert move(clients["organiser"], ids["campaign"], "freeze", 2**31).status_code == 400
    assert database_rows(session) == before


def test_withdrawing_needs_a_reason_and_takes_the_public_page_down(session, clients):
    ids, run_id = scored(session, clients)
    token = publish(session, clients, ids["campaign"], run_id)

    assert move(clients["organiser"], ids["campaign"], "withdraw", run_id, reason="").status_code == 400
    assert clients["anonymous"].get(f"/public/{token}").status_code == 200
    assert move(clients["organiser"], ids["campaign"], "withdraw", run_id, reason="业务考核分数更正").status_code == 302

    gone = clients["anonymous"].get(f"/public/{token}")
    assert gone.status_code == 404
    assert "该评议活动暂无公布的结果" in page_text(gone)
    assert fresh(session).get(ScoringRun, run_id).state is RunState.WITHDRAWN
    campaign_page = page_text(clients["leader"].get(f"/publishing/campaigns/{ids['campaign']}?run={run_id}"))
    assert "已撤回" in campaign_page and "业务考核分数更正" in campaign_page


def test_an_unknown_token_and_an_unpublished_campaign_give_the_same_calm_chinese_404(session, clients):
    ids, run_id = scored(session, clients)
    move(clients["organiser"], ids["campaign"], "freeze", run_id)

    for path in ("/public/no-such-public-page", f"/public/{ids['campaign']:08d}", "/public/abc/snapshot.json"):
        response = clients["anonymous"].get(path)
        assert response.status_code == 404, path
        assert "该评议活动暂无公布的结果" in page_text(response), path
        assert "public.css" in response.get_data(as_text=True), path  # the public layout


def test_a_target_hidden_by_shown_shows_no_total_on_the_public_page(session, clients, monkeypatch):
    """Whatever ``shown`` hides, the public page prints as too few ballots; here a stricter
    ``shown`` (as for targets under the threshold) hides A2's total, grade and rank."""
    ids, run_id = scored(session, clients)
    token = publish(session, clients, ids["campaign"], run_id)
    original = publishing.shown

    def stricter(result):
        view = original(result)
        hidden = {"total": None, "grade": None, "rank": None, "category_rank": None, "suppressed": True}
        view["targets"] = [{**t, **hidden} if t["code"] == "A2" else t for t in view["targets"]]
        return view

    monkeypatch.setattr(publishing, "shown", stricter)
    text = page_text(clients["anonymous"].get(f"/public/{token}"))

    assert "89.33" not in text
    assert "— 李四 发改委 —（票数过少）" in text


def test_no_page_of_publishing_refers_to_another_host(session, clients):
    ids, run_id = scored(session, clients)
    token = publish(session, clients, ids["campaign"], run_id)
    pages = [
        (clients["anonymous"], f"/public/{token}"),
        (clients["anonymous"], "/public/no-such-public-page"),
        (clients["leader"], "/publishing/"),
        (clients["leader"], f"/publishing/campaigns/{ids['campaign']}"),
        (clients["organiser"], f"/admin/campaigns/{ids['campaign']}/runs"),
    ]
    for client, path in pages:
        html = client.get(path).get_data(as_text=True)
        urls = re.findall(r"""(?:src|href|action)\s*=\s*["']([^"']*)["']""", html)
        assert urls, path
        for url in urls:
            parts = urlsplit(url)
            assert parts.netloc in ("", "localhost") and parts.scheme in ("", "http"), f"{path}: {url}"
            assert not url.startswith("//"), f"{path}: {url}"


def test_the_public_page_shows_the_rectification_black_list_without_links_into_the_ledger(session, clients):
    ids, run_id = scored(session, clients)
    target = session.scalar(select(Target).where(Target.campaign_id == ids["campaign"]).order_by(Target.code))
    fields = problems.ProblemFields("窗口推诿扯皮", "群众多次反映", date(2026, 4, 1), target_id=target.id)
    problem = problems.file_problem(
        session, ids["campaign"], fields, ProblemSource.HOTLINE, today=NOW.date(), now=NOW, actor_id=None
    )
    problems.set_honour(session, problem.id, Honour.BLACK, "整改敷衍", now=NOW, actor_id=None)
    session.commit()
    token = publish(session, clients, ids["campaign"], run_id)

    html = clients["anonymous"].get(f"/public/{token}").get_data(as_text=True)

    black = html[html.index("黑榜：整改不力") :]
    assert "窗口推诿扯皮" in black and "整改敷衍" in black
    assert "/ledger/" not in html
