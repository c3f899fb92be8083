"""Downloads of a run: XLSX, PDF and the anonymous ballot CSV, by role, with their file names."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from surveys.cells import FORMULA_STARTS
from surveys.models import Ballot, Item, RaterGroup, ScoringRun, Target, Unit
from tests.builders import FOUR_BALLOTS, build_campaign, move, publish, run_scoring, scored
from tests.documents import pdf_text, sheet_rows
from tests.jobs_support import run_and_follow
from tests.web.support import location, page_text

KINDS = {"xlsx": "results.xlsx", "pdf": "report.pdf", "csv": "ballots.csv"}


def download(client, campaign_id: int, kind: str, query: str = ""):
    """Ask for the file with the page's button. A refusal is the answer itself; otherwise the
    job it queued runs (here, in this thread) and the file it made is downloaded, read to the
    end and closed."""
    response = client.post(f"/reports/campaigns/{campaign_id}/{KINDS[kind]}{query}")
    if response.status_code not in (302, 303) or not location(response)[0].startswith("/jobs/"):
        return response
    done = run_and_follow(client.application, client, response)
    assert done["state"] == "done", done["text"]
    file = client.get(done["file_url"])
    file.get_data()
    file.close()
    return file


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("role", ["admin", "organiser", "leader"])
def test_readers_download_each_file_under_a_chinese_name_with_an_ascii_fallback(session, clients, role, kind):
    ids, run_id = scored(session, clients)
    move(clients["organiser"], ids["campaign"], "freeze", run_id)  # leaders read runs from then on

    response = download(clients[role], ids["campaign"], kind)

    assert response.status_code == 200, page_text(response)[:300]
    disposition = response.headers["Content-Disposition"]
    chinese, fallback = {
        # the campaign's first run is 第 1 次 (its number), whatever its database id
        "xlsx": ("2026年度评议-第1次计分.xlsx", f"campaign-{ids['campaign']}-run-1.xlsx"),
        "pdf": ("2026年度评议-第1次计分.pdf", f"campaign-{ids['campaign']}-run-1.pdf"),
        "csv": ("2026年度评议-评议票.csv", f"campaign-{ids['campaign']}-ballots.csv"),
    }[kind]
    assert disposition == f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(chinese)}"
    assert disposition.isascii()
    body = response.get_data()
    assert body.startswith({"xlsx": b"PK", "pdf": b"%PDF", "csv": "\ufeffballot_id,".encode()}[kind])


@pytest.mark.parametrize("kind", list(KINDS))
def test_unit_officers_are_refused_and_anonymous_visitors_sent_to_log_in(session, clients, kind):
    ids, _run_id = scored(session, clients)

    assert download(clients["unit_officer"], ids["campaign"], kind).status_code == 403
    refused = download(clients["anonymous"], ids["campaign"], kind)
    assert refused.status_code == 302 and location(refused)[0] == "/login"


def test_the_downloaded_workbook_matches_the_run_asked_for(session, clients):
    ids, first = scored(session, clients)
    move(clients["organiser"], ids["campaign"], "freeze", first)
    run_and_follow(
        clients["organiser"].application,
        clients["organiser"],
        clients["organiser"].post(f"/admin/campaigns/{ids['campaign']}/scoring/run"),
    )
    run = session.get(ScoringRun, first)

    book = load_workbook(io.BytesIO(download(clients["leader"], ids["campaign"], "xlsx", f"?run={first}").get_data()))

    notes = dict(book["说明"].iter_rows(min_row=2, values_only=True))
    assert notes["计分"].startswith("第 1 次计分") and notes["状态"] == "已冻结，待领导签发"
    assert notes["输入摘要（digest）"] == run.digest
    ranks = {r["编号"]: (r["名次"], r["总分"]) for r in sheet_rows(book, "排名")}
    assert ranks["A2"] == (1, 89.33) and ranks["B2"] == (4, 68.4)


def test_a_run_of_another_campaign_is_not_found_and_no_run_yet_leads_to_the_publishing_page(
    session, clients, make_campaign
):
    ids, run_id = scored(session, clients)
    other = {"campaign": make_campaign("另一活动").id}

    assert download(clients["organiser"], other["campaign"], "xlsx", f"?run={run_id}").status_code == 404
    nothing = download(clients["organiser"], other["campaign"], "pdf")
    assert nothing.status_code == 302
    assert location(nothing)[0] == f"/publishing/campaigns/{other['campaign']}"
    followed = clients["organiser"].get(location(nothing)[0])
    assert "该评议活动尚无计分结果，暂无报表可下载" in page_text(followed)


def test_the_ballot_csv_is_the_cli_export_sorted_by_ballot_id(session, clients, runner, tmp_path):
    ids, _run_id = scored(session, clients)
    path = tmp_path / "ballots.csv"
    assert runner.invoke(args=["export-ballots", str(ids["round"]), "--csv", str(path)]).exit_code == 0

    body = download(clients["organiser"], ids["campaign"], "csv").get_data()

    assert body == path.read_bytes()
    lines = body.decode("utf-8-sig").splitlines()
    ballot_ids = [line.split(",")[0] for line in lines[1:]]
    assert ballot_ids == sorted(ballot_ids)
    assert set(ballot_ids) == set(session.scalars(select(Ballot.id)))
    assert lines[0] == "ballot_id,round,rater_group,target_code,item_code,level,points"


def test_the_ballots_of_an_open_round_are_refused_and_a_round_of_another_campaign_is_not_found(
    session, clients, make_campaign
):
    open_ = build_campaign(session, close=False)
    closed = {"campaign": make_campaign("另一活动").id}

    refused = download(clients["organiser"], open_["campaign"], "csv", f"?round={open_['round']}")
    assert refused.status_code == 409
    assert "轮次“外部评议”尚未结束，不能导出评议票" in page_text(refused)
    assert download(clients["organiser"], closed["campaign"], "csv", f"?round={open_['round']}").status_code == 404
    none_closed = download(clients["organiser"], open_["campaign"], "csv")
    assert none_closed.status_code == 302
    assert location(none_closed)[0] == f"/publishing/campaigns/{open_['campaign']}"


def test_a_target_with_four_ballots_has_no_group_figures_in_any_download(session, clients, tmp_path):
    ids, run_id = scored(session, clients, FOUR_BALLOTS, suppress_below=5)
    token = publish(session, clients, ids["campaign"], run_id)
    book = load_workbook(io.BytesIO(download(clients["leader"], ids["campaign"], "xlsx").get_data()))
    text = pdf_text(download(clients["leader"], ids["campaign"], "pdf").get_data(), tmp_path)
    public = page_text(clients["anonymous"].get(f"/public/{token}"))
    snapshot = json.loads(clients["anonymous"].get(f"/public/{token}/snapshot.json").get_data(as_text=True))

    hidden = "—（票数过少）"
    a2_groups = [r for r in sheet_rows(book, "得分明细") if r["编号"] == "A2" and r["评议主体"]]
    figures = ("有效票数", "主体得分", "平均分", "标准差", "满意率")
    assert len(a2_groups) == 2 and {r[f] for r in a2_groups for f in figures} == {hidden}
    a2_items = [r for r in sheet_rows(book, "指标得分") if r["编号"] == "A2"]
    assert len(a2_items) == 4 and {r[f] for r in a2_items for f in ("有效回答数", "平均分")} == {hidden}
    a2_levels = next(r for r in sheet_rows(book, "等级分布") if r["编号"] == "A2")
    assert {v for k, v in a2_levels.items() if k not in ("编号", "名称", "评分组成")} == {hidden}
    a2 = next(t for t in snapshot["targets"] if t["code"] == "A2")
    assert all(g["score"] is None for g in a2["components"][0]["groups"])
    assert "少于 5 张有效票的汇总不显示" in text.replace("\n", "")
    assert "少于 5 张有效票的汇总不公开" in public


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_download_gives_its_database_connection_back(app, session, clients, kind):
    """The CSV is read while it is sent, after the request ended: it must not keep a connection."""
    ids, run_id = scored(session, clients)
    move(clients["organiser"], ids["campaign"], "freeze", run_id)
    pool = app.extensions["evalsite.engine"].pool

    assert download(clients["leader"], ids["campaign"], kind).status_code == 200

    assert pool.checkedout() == 0


#: What an organiser might type as a target code (at most 32 characters), a group name, an
#: item code and a unit name.
HOSTILE = {
    "target": '=HYPERLINK("//evil.example",A1)',
    "group": "@SUM(1+1)",
    "item": "+Q1",
    "unit": "-2+3",
}


def every_cell_is_inert(cells) -> list:
    """The text cells a spreadsheet would run as a formula (none, when all is well)."""
    return [cell for cell in cells if isinstance(cell, str) and cell.startswith(FORMULA_STARTS)]


def test_every_csv_and_xlsx_escapes_cells_a_spreadsheet_would_run_web_and_cli_alike(session, clients, runner, tmp_path):
    ids = build_campaign(session)
    session.execute(update(Target).where(Target.code == "A1").values(code=HOSTILE["target"]))
    session.execute(update(Unit).where(Unit.name == "发改委").values(name=HOSTILE["unit"]))
    session.commit()
    run_scoring(clients["organiser"], ids["campaign"])
    # Renamed after the run (a frozen round's groups and items stop its scoring): the ballot
    # CSV reads them as they stand.
    session.execute(update(RaterGroup).where(RaterGroup.name == "机关干部").values(name=HOSTILE["group"]))
    session.execute(update(Item).where(Item.code == "Q1").values(code=HOSTILE["item"]))
    session.commit()
    path = tmp_path / "ballots.csv"
    assert runner.invoke(args=["export-ballots", str(ids["round"]), "--csv", str(path)]).exit_code == 0

    web = download(clients["organiser"], ids["campaign"], "csv").get_data()
    assert web == path.read_bytes()  # one writer: the web file is the CLI file
    csv_cells = [cell for row in csv.reader(io.StringIO(web.decode("utf-8-sig"))) for cell in row]
    book = load_workbook(io.BytesIO(download(clients["organiser"], ids["campaign"], "xlsx").get_data()))
    xlsx_cells = [cell for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row]
    for cells, hostile in ((csv_cells, ("target", "group", "item")), (xlsx_cells, ("target", "unit"))):
        assert every_cell_is_inert(cells) == []
        for name in hostile:
            assert "'" + HOSTILE[name] in cells, name
    assert any(isinstance(cell, float) for cell in xlsx_cells)  # numbers stay numbers


def test_no_csv_or_xlsx_is_written_past_the_one_escaping_writer():
    """Every CSV and XLSX file goes through surveys.cells (csv_writer, append_row)."""
    root = Path(__file__).resolve().parents[2]
    sources = [p for folder in ("surveys", "evalsite") for p in (root / folder).rglob("*.py")]
    bypassing = [
        f"{p.relative_to(root)}:{n}"
        for p in sources
        if p != root / "surveys" / "cells.py"
        for n, line in enumerate(p.read_text().splitlines(), start=1)
        if re.search(r"\bcsv\.(writer|DictWriter)\(|\bsheet\.append\(|\.cell\([^)]*value=", line)
    ]
    assert bypassing == []
