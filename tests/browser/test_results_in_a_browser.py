"""A leader reads the results on a phone: real Chromium, 390 px wide, offline.

The leader signs in, opens the ranking, sees the charts drawn by plotly.js (served from
our own origin: every request leaving 127.0.0.1 is blocked and recorded), and opens a
target's drill-down; the XLSX download opens with openpyxl and matches the stored run.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from surveys.models import Role, ScoringRun
from tests.browser.support import snap
from tests.builders import PAPER_BALLOTS
from tests.conftest import PASSWORD
from tests.web.results_support import scored_campaign

pytestmark = pytest.mark.browser


def test_a_leader_opens_the_ranking_the_charts_and_a_drill_down(live_server, phone, session, make_user, tmp_path):
    ids = scored_campaign(session, suppress_below=3, ballots=PAPER_BALLOTS)
    leader = make_user(Role.LEADER, "lingdao")
    page = phone.page

    page.goto(f"{live_server}/login")
    page.locator("input[name=username]").fill(leader.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button.primary").tap()
    page.locator(".mainnav a", has_text="结果").tap()
    page.locator("a", has_text="2026年度评议").tap()

    table = page.locator("table.ranking")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").first).to_contain_text("89.33")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    snap(page, tmp_path, "results-ranking.png")

    page.locator(".downloads button", has_text="Excel 表格").tap()  # queues the export, opens its page
    link = page.locator(".job-file a", has_text="下载文件")
    expect(link).to_be_visible(timeout=60_000)  # the page polls the job and offers the file when done
    expect(page.locator("progress.job-bar")).to_have_attribute("value", "100")
    with page.expect_download() as download:
        link.tap()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))  # the saved file has no extension
    sheet = list(book["排名"].iter_rows(values_only=True))
    header, rows = sheet[0], [dict(zip(sheet[0], row, strict=True)) for row in sheet[1:]]
    assert {"编号", "名次", "总分"} <= set(header)
    stored = session.get(ScoringRun, ids["run"]).result  # what `flask score --json` writes, unsuppressed
    ranked = {t["code"]: (t["rank"], t["total"]) for t in stored["targets"] if t["status"] == "ranked"}
    assert {r["编号"]: (r["名次"], r["总分"]) for r in rows if r["编号"] in ranked} == ranked
    assert download.value.suggested_filename.endswith(".xlsx")

    page.go_back()  # from the export's job page back to the ranking, as a reader would
    page.locator(".tabs a", has_text="图表").tap()
    # A busy machine may take seconds to parse plotly.js (4.8 MB): wait for the first chart,
    # not for a clock. (wait_for_function would evaluate a string, which our CSP forbids.)
    expect(page.locator("div[data-figure=figure-bars] svg.main-svg").first).to_be_visible(timeout=60_000)
    for name in ("bars", "levels", "heatmap"):
        expect(page.locator(f"div[data-figure=figure-{name}] svg.main-svg").first).to_be_visible()
    expect(page.locator("div[data-figure=figure-bars] .bars path")).to_have_count(4)  # the ranked four
    snap(page, tmp_path, "results-charts.png")

    page.locator(".tabs a", has_text="排名").tap()
    page.locator("table.ranking a", has_text="张三").tap()
    expect(page.locator("h2").first).to_contain_text("A1 张三")
    expect(page.locator("dd.big")).to_have_text("83.00")
    expect(page.locator("div[data-figure=figure-levels] svg.main-svg").first).to_be_visible(timeout=60_000)
    expect(page.locator("ul.comments li")).to_have_count(3)
    snap(page, tmp_path, "results-target.png")

    assert phone.blocked == [], "the results pages must not load anything from outside"
    assert phone.csp_violations == [], phone.csp_violations
    assert phone.errors == []
    assert ids["campaign"]
