"""The XLSX workbook and the PDF report of a stored run: what they show, and what they hide."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from surveys.reports.facts import run_facts, turnout_rows
from surveys.reports.pdf_report import build_pdf
from surveys.reports.rows import SUPPRESSED
from surveys.reports.workbook import build_workbook
from surveys.scoring.display import shown
from surveys.scoring.results import to_json
from surveys.services.scoring_rules import save_rules
from surveys.services.scoring_runs import save_run
from tests.builders import FOUR_BALLOTS, PAPER_BALLOTS, build_campaign, fresh_score
from tests.conftest import NOW
from tests.documents import pdf_text, sheet_rows, tool
from tests.documents import run as run_command


def stored(session, ballots=PAPER_BALLOTS, suppress_below: int | None = None):
    ids = build_campaign(session, ballots)
    if suppress_below is not None:
        save_rules(session, ids["campaign"], {"suppress_below": suppress_below}, now=NOW, actor_id=None)
        session.commit()
    result = fresh_score(session, ids["campaign"])
    run = save_run(session, result, now=NOW, actor_id=None)
    session.commit()
    return ids, result, run


def workbook_of(session, run):
    data = build_workbook(
        run_facts(session, run, "Asia/Shanghai"), shown(run.result), turnout_rows(session, run.campaign_id)
    )
    return load_workbook(io.BytesIO(data))


def test_the_workbook_opens_with_openpyxl_and_its_ranking_matches_the_scoring_json(session):
    _ids, result, run = stored(session)
    expected = to_json(result)  # what `flask score CAMPAIGN --json` writes

    book = workbook_of(session, run)

    assert book.sheetnames == ["排名", "得分明细", "指标得分", "等级分布", "发放与使用", "说明"]
    got = [
        (r["编号"], r["名次"], r["类别内名次"], r["总分"], r["等次"], r["有效票数"], r["标记"])
        for r in sheet_rows(book, "排名")
    ]
    flags = {"top": "十佳", "bottom": "末位"}
    hidden = {t["code"] for t in expected["targets"] if 0 < t["ballots"] < 3}  # every figure suppressed
    assert got == [
        (
            t["code"],
            *(
                (SUPPRESSED,) * 5
                if t["code"] in hidden
                else (
                    t["rank"] if t["rank"] is not None else "—",
                    t["category_rank"] if t["category_rank"] is not None else "—",
                    t["total"] if t["total"] is not None else "—",
                    t["grade"] or "—",
                    t["ballots"],
                )
            ),
            "、".join(flags[f] for f in t["flags"]) or None,
        )
        for t in expected["targets"]
    ]
    assert hidden == {"B3"}
    assert got[0] == ("A2", 1, 1, 89.33, "满意", 5, None)
    notes = dict(book["说明"].iter_rows(min_row=2, values_only=True))
    assert notes["输入摘要（digest）"] == expected["digest"]


def test_the_breakdown_and_item_sheets_carry_each_groups_figures(session):
    _ids, result, run = stored(session)
    expected = {t["code"]: t for t in to_json(result)["targets"]}

    book = workbook_of(session, run)

    a1 = [r for r in sheet_rows(book, "得分明细") if r["编号"] == "A1" and r["评议主体"] == "服务对象"]
    group = expected["A1"]["components"][0]["groups"][0]
    assert [(r["有效票数"], r["主体得分"], r["满意率"]) for r in a1] == [(5, round(group["score"], 2), "77.8%")]
    items = [(r["指标"], r["有效回答数"], r["平均分"]) for r in sheet_rows(book, "指标得分") if r["编号"] == "A1"]
    assert items[:2] == [("Q1", 4, 80.0), ("Q2", 5, 80.0)]
    levels = next(r for r in sheet_rows(book, "等级分布") if r["编号"] == "A1")
    assert (levels["非常满意"], levels["满意"], levels["不了解"]) == (4, 7, 1)


def test_a_target_with_four_ballots_shows_no_group_item_or_level_figure_in_the_workbook(session):
    _ids, result, run = stored(session, FOUR_BALLOTS, suppress_below=5)
    raw = next(t for t in to_json(result)["targets"] if t["code"] == "A2")
    assert raw["ballots"] == 3 and sum(g["n"] for g in raw["components"][0]["groups"]) == 4

    book = workbook_of(session, run)

    groups = [r for r in sheet_rows(book, "得分明细") if r["编号"] == "A2" and r["评议主体"]]
    assert {(r["评议主体"], r["有效票数"], r["主体得分"], r["平均分"], r["标准差"], r["满意率"]) for r in groups} == {
        (name, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED) for name in ("服务对象", "机关干部")
    }
    items = [r for r in sheet_rows(book, "指标得分") if r["编号"] == "A2"]
    assert items and all(r["有效回答数"] == SUPPRESSED and r["平均分"] == SUPPRESSED for r in items)
    levels = next(r for r in sheet_rows(book, "等级分布") if r["编号"] == "A2")
    assert {levels[label] for label in ("非常满意", "满意", "基本满意", "不了解")} == {SUPPRESSED}


def test_the_pdf_has_the_chinese_headings_the_ranking_rows_and_an_embedded_font(session, tmp_path):
    _ids, result, run = stored(session)

    data = build_pdf(run_facts(session, run, "Asia/Shanghai"), shown(run.result))

    text = pdf_text(data, tmp_path)
    headings = ("计分结果报告", "十佳与末位", "各等次人数", "分类别排名", "综合管理", "行政执法", "未排名的评议对象")
    assert all(heading in text for heading in headings)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "1 1 A2 李四 发改委 89.33 满意 5" in lines
    assert "4 2 B2 钱七 市场监管局 68.40 基本满意 6 末位" in lines
    assert any(line.startswith("A3 王五 一票否决 一票否决：收受服务对象礼品") for line in lines)
    assert result.digest in text.replace("\n", "")
    path = tmp_path / "report.pdf"
    fonts = run_command(tool("pdffonts"), str(path))
    font_lines = fonts.splitlines()[2:]
    assert font_lines and all("WenQuanYiMicroHei" in line for line in font_lines)
    assert all(line.split()[-5] == "yes" for line in font_lines)  # the "emb" column: every font embedded


@pytest.mark.parametrize("kind", ["xlsx", "pdf"])
def test_a_target_hidden_by_shown_is_reported_as_too_few_ballots_not_as_a_number(session, tmp_path, kind):
    """Whatever ``shown`` hides — here a target's total, grade and rank, as a stricter ``shown``
    hides for targets under the threshold — the reports print as suppressed."""
    _ids, _result, run = stored(session)
    view = shown(run.result)
    view["targets"] = [
        {**t, "total": None, "grade": None, "rank": None, "category_rank": None, "suppressed": True}
        if t["code"] == "A2"
        else t
        for t in view["targets"]
    ]
    facts = run_facts(session, run, "Asia/Shanghai")

    if kind == "xlsx":
        book = load_workbook(io.BytesIO(build_workbook(facts, view, [])))
        a2 = next(r for r in sheet_rows(book, "排名") if r["编号"] == "A2")
        assert (a2["名次"], a2["总分"], a2["等次"]) == (SUPPRESSED, SUPPRESSED, SUPPRESSED)
    else:
        text = pdf_text(build_pdf(facts, view), tmp_path)
        assert "89.33" not in text, text
        assert "".join(text.split()).count("过少") >= 3  # rank, total and grade (cells may wrap)
