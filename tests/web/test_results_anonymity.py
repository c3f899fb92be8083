"""Results never undo anonymity (DESIGN.md section 5): a target over fewer ballots than the
threshold shows nothing anywhere, no filter narrows a view below it, and no page or chart
reaches for another host.

B1 of the paper campaign is rated here on four counted ballots (its one 机关干部 ballot is
below that group's minimum), and the threshold is 5.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import plotly
import pytest

from surveys.models import Role, ScoringRun
from tests.web.results_support import scored_campaign
from tests.web.support import figures, page_text, row_of

#: B1 is listed with the unranked targets: no total, grade or rank, only why.
HIDDEN_ROW = "B1 赵六 行政执法 市场监管局 数据不足 有效票少于 5 张，为保护匿名不排名"


def b1_figures(session, run_id: int) -> set[str]:
    """B1's unsuppressed figures as a page would print them (two decimals)."""
    b1 = next(t for t in session.get(ScoringRun, run_id).result["targets"] if t["code"] == "B1")
    numbers = {b1["total"], b1["components"][0]["score"]}
    for group in b1["components"][0]["groups"]:
        numbers |= {group["score"], group["mean"]} | {item["mean"] for item in group["items"]}
    return {f"{n:.2f}" for n in numbers if n is not None}


def test_the_run_keeps_b1_on_four_ballots_out_of_the_ranking_so_no_rank_gap_places_it(client, session, sign_in):
    ids = scored_campaign(session)
    b1 = next(t for t in session.get(ScoringRun, ids["run"]).result["targets"] if t["code"] == "B1")
    sign_in(client, Role.LEADER)

    html = client.get(f"/results/campaigns/{ids['campaign']}").get_data(as_text=True)

    assert (b1["status"], b1["ballots"], b1["rank"], b1["reasons"][0]["code"]) == (
        "insufficient", 4, None, "too_few_to_rank",
    )  # fmt: skip
    assert b1["total"] is not None  # stored for the record, never shown (display.shown)
    ranks = sorted(int(row_of(html, code).split()[0]) for code in ("A1", "A2", "B2"))
    assert ranks == [1, 2, 3]


def test_a_target_on_four_ballots_shows_no_total_grade_or_rank_in_the_ranking(client, session, sign_in):
    ids = scored_campaign(session)
    sign_in(client, Role.LEADER)

    html = client.get(f"/results/campaigns/{ids['campaign']}").get_data(as_text=True)

    assert row_of(html, "B1") == HIDDEN_ROW
    assert not b1_figures(session, ids["run"]) & set(re.findall(r"\d+\.\d\d", row_of(html, "B1")))


def test_a_target_on_four_ballots_shows_no_figure_level_count_or_comment_in_its_drill_down(client, session, sign_in):
    ids = scored_campaign(session)
    sign_in(client, Role.LEADER)

    response = client.get(f"/results/campaigns/{ids['campaign']}/targets/{ids['targets']['B1']}")

    text = page_text(response)
    assert "该评议对象的有效票少于 5 张，为保护评议人匿名" in text
    assert "总分 — 等次 — 名次 —" in text and "计入的有效票 —" in text
    assert not b1_figures(session, ids["run"]) & set(re.findall(r"\d+\.\d\d", text))
    assert "各等级票数：非常满意 —、满意 —、基本满意 —、不满意 —、非常不满意 —、不了解 —" in text
    assert "服务对象 必需 0.6 — —" in text and "n = —" in text and not re.search(r"n = \d", text)
    assert "态度需要改进。" not in text and "共 1 条" not in text
    assert "有效票少于 5 张，为保护匿名不显示意见建议。" in text
    assert "levels" not in figures(response.get_data(as_text=True))


def test_a_target_on_four_ballots_is_in_no_chart_under_any_filter(client, session, sign_in):
    ids = scored_campaign(session)
    sign_in(client, Role.LEADER)
    categories, units = ["", "综合管理", "行政执法"], ["", "发改委", "市场监管局", "财政局"]

    for category, unit in itertools.product(categories, units):
        query = {"category": category, "unit": unit}
        html = client.get(f"/results/campaigns/{ids['campaign']}/charts", query_string=query).get_data(as_text=True)
        ranking = client.get(f"/results/campaigns/{ids['campaign']}", query_string=query).get_data(as_text=True)
        for name, figure in figures(html).items():
            labels = [label for trace in figure["data"] for axis in ("x", "y") for label in trace.get(axis) or []]
            assert "B1 赵六" not in labels, (name, query)
        if ">B1<" in ranking:
            assert row_of(ranking, "B1") == HIDDEN_ROW, query


def test_the_organisers_scoring_pages_hide_it_too(client, session, sign_in):
    ids = scored_campaign(session)
    sign_in(client, Role.ORGANISER)

    run_page = page_text(client.get(f"/admin/campaigns/{ids['campaign']}/runs"))
    target_page = client.get(f"/admin/campaigns/{ids['campaign']}/runs/targets/{ids['targets']['B1']}")

    assert target_page.status_code == 200
    assert "该评议对象的有效票少于 5 张，为保护评议人匿名" in page_text(target_page)
    hidden = b1_figures(session, ids["run"])
    assert not hidden & set(re.findall(r"\d+\.\d\d", page_text(target_page)))
    b1_part = run_page[run_page.index("B1 赵六") :][:60]
    assert not hidden & set(re.findall(r"\d+\.\d\d", b1_part))


def test_a_lower_threshold_of_three_shows_the_same_target(client, session, sign_in):
    ids = scored_campaign(session, suppress_below=3)
    sign_in(client, Role.LEADER)

    html = client.get(f"/results/campaigns/{ids['campaign']}").get_data(as_text=True)

    assert row_of(html, "B1") != HIDDEN_ROW
    assert re.search(r"\d+\.\d\d", row_of(html, "B1"))


def result_pages(ids: dict) -> list[str]:
    base = f"/results/campaigns/{ids['campaign']}"
    targets = [f"{base}/targets/{tid}" for tid in ids["targets"].values()]
    return ["/results/", base, f"{base}/charts", f"{base}/turnout", *targets]


@pytest.mark.parametrize("role", [Role.LEADER, Role.UNIT_OFFICER])
def test_no_results_page_or_chart_refers_to_another_host(client, session, sign_in, role):
    ids = scored_campaign(session, suppress_below=3)
    sign_in(client, role)

    for url in result_pages(ids):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code in (200, 403, 404), url
        assert not re.search(r"(https?:)?//", html.replace("</", "<")), url
        for attribute in re.findall(r'(?:src|href|action)="([^"]*)"', html):
            assert attribute.startswith("/") and not attribute.startswith("//"), (url, attribute)


def test_plotly_js_is_served_from_our_origin_and_cached_for_a_year(client, session, sign_in):
    ids = scored_campaign(session, suppress_below=3)
    sign_in(client, Role.LEADER)
    charts = client.get(f"/results/campaigns/{ids['campaign']}/charts").get_data(as_text=True)
    (src,) = [s for s in re.findall(r'<script src="([^"]+)"', charts) if "plotly" in s]

    response = client.get(src)

    assert src == f"/results/assets/plotly.min.js?v={plotly.__version__}"
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable
    assert response.get_data() == (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    response.close()


def test_no_results_page_carries_inline_script_or_handlers(client, session, sign_in):
    ids = scored_campaign(session, suppress_below=3)
    sign_in(client, Role.LEADER)

    for url in result_pages(ids):
        html = client.get(url).get_data(as_text=True)
        for tag in re.findall(r"<script[^>]*>", html):
            assert 'type="application/json"' in tag or "src=" in tag, (url, tag)
        assert not re.search(r"\son[a-z]+=", html), url
