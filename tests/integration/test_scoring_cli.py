"""``flask score`` and ``flask export-ballots``: the files they write and their errors."""

from __future__ import annotations

import csv
import json

from sqlalchemy import func, select

from surveys.models import Ballot, Rating, ScoringRun
from surveys.scoring.display import shown
from surveys.scoring.results import to_json
from surveys.services.scoring_rules import save_rules
from surveys.services.scoring_runs import score_campaign
from tests.builders import FOUR_BALLOTS, GOLDEN_INPUT_DIGEST, build_campaign
from tests.conftest import NOW


def fresh(session):
    session.commit()  # end the read transaction, so the CLI's commits are visible
    session.expire_all()
    return session


def test_score_writes_the_run_as_json(runner, session, tmp_path):
    ids = build_campaign(session)
    path = tmp_path / "run.json"

    result = runner.invoke(args=["score", str(ids["campaign"]), "--json", str(path)])

    assert result.exit_code == 0, result.output
    assert GOLDEN_INPUT_DIGEST in result.output and "排名 4，一票否决 1，数据不足 1" in result.output
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == shown(to_json(score_campaign(fresh(session), ids["campaign"])))  # as the pages show it
    session.rollback()
    assert data["digest"] == GOLDEN_INPUT_DIGEST
    assert data["config"]["components"][0]["round"]["groups"][0] == {
        "name": "服务对象", "weight": 0.6, "min_ballots": 3, "is_required": True, "is_public": False,
    }  # fmt: skip
    first = data["targets"][0]
    assert {k: first[k] for k in ("code", "name", "category", "total", "grade", "rank", "category_rank")} == {
        "code": "A2", "name": "李四", "category": "综合管理", "total": 89.33, "grade": "满意", "rank": 1,
        "category_rank": 1,
    }  # fmt: skip
    assert [(t["code"], t["status"], t["flags"]) for t in data["targets"]][1:4] == [
        ("A1", "ranked", ["top"]),
        ("B1", "ranked", []),
        ("B2", "ranked", ["bottom"]),
    ]
    group = first["components"][0]["groups"][0]
    assert (group["score"], group["n"], group["satisfaction"]) == (93.333333, 5, 1.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]  # no leftovers


def test_scoring_twice_writes_the_same_bytes_and_save_stores_the_run(runner, session, tmp_path):
    ids = build_campaign(session)
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert runner.invoke(args=["score", str(ids["campaign"]), "--json", str(one)]).exit_code == 0
    saved = runner.invoke(args=["score", str(ids["campaign"]), "--json", str(two), "--save"])

    assert saved.exit_code == 0, saved.output
    assert one.read_bytes() == two.read_bytes()
    (run,) = fresh(session).scalars(select(ScoringRun)).all()
    assert run.digest == GOLDEN_INPUT_DIGEST and f"已保存为第 {run.number} 次计分" in saved.output


def test_score_explains_bad_arguments_and_writes_nothing(runner, session, tmp_path):
    ids = build_campaign(session, close=False)
    path = tmp_path / "run.json"

    unknown = runner.invoke(args=["score", "999999", "--json", str(path)])
    assert unknown.exit_code == 2 and "no campaign with id 999999" in unknown.output
    still_open = runner.invoke(args=["score", str(ids["campaign"]), "--json", str(path)])
    assert still_open.exit_code == 1 and "仍在进行中" in still_open.output
    both = runner.invoke(args=["score", str(ids["campaign"]), "--json", str(path), "--save", "--allow-open"])
    assert both.exit_code == 2 and "exclude each other" in both.output
    nowhere = runner.invoke(args=["score", str(ids["campaign"]), "--json", str(tmp_path / "missing" / "run.json")])
    assert nowhere.exit_code == 2 and "cannot write" in nowhere.output
    assert list(tmp_path.iterdir()) == []

    provisional = runner.invoke(args=["score", str(ids["campaign"]), "--json", str(path), "--allow-open"])
    assert provisional.exit_code == 0 and json.loads(path.read_text(encoding="utf-8"))["is_provisional"] is True


def test_export_ballots_writes_one_row_per_rating_sorted_by_ballot_id(runner, session, tmp_path):
    ids = build_campaign(session)
    path = tmp_path / "ballots.csv"

    result = runner.invoke(args=["export-ballots", str(ids["round"]), "--csv", str(path)])

    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(text[1:].splitlines()))
    assert header == ["ballot_id", "round", "rater_group", "target_code", "item_code", "level", "points"]
    fresh(session)
    assert len(rows) == session.scalar(select(func.count()).select_from(Rating))
    assert len({r[0] for r in rows}) == session.scalar(select(func.count()).select_from(Ballot))
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    assert all(r[1] == "外部评议" for r in rows)
    unknown = [r for r in rows if r[5] == "不了解"]
    assert len(unknown) == 1 and unknown[0][3:] == ["A1", "Q1", "不了解", ""]
    assert {(r[5], r[6]) for r in rows} == {("非常满意", "100"), ("满意", "80"), ("基本满意", "60"), ("不了解", "")}
    assert f"{len({r[0] for r in rows})} 张评议票的 {len(rows)} 条评分" in result.output
    assert "导出评议票" in result.stderr and "导出评议票" not in result.stdout  # the progress bar


def test_score_shows_its_progress_on_stderr_and_the_summary_on_stdout(runner, session, tmp_path):
    ids = build_campaign(session)
    path = tmp_path / "run.json"

    result = runner.invoke(args=["score", str(ids["campaign"]), "--json", str(path), "--save"])

    assert result.exit_code == 0, result.output
    assert "计分" in result.stderr and result.stdout.startswith("digest ")


def test_export_ballots_refuses_an_open_or_unknown_round(runner, session, tmp_path):
    ids = build_campaign(session, close=False)
    path = tmp_path / "ballots.csv"

    still_open = runner.invoke(args=["export-ballots", str(ids["round"]), "--csv", str(path)])
    assert still_open.exit_code == 1 and "尚未结束" in still_open.output
    unknown = runner.invoke(args=["export-ballots", "999999", "--csv", str(path)])
    assert unknown.exit_code == 2 and "no round with id 999999" in unknown.output
    assert list(tmp_path.iterdir()) == []


def test_score_json_hides_what_the_pages_hide(runner, session, tmp_path):
    """One rule decides what may be shown (display.shown): the file `flask score --json`
    writes holds no figure of a target with too few ballots, as no page does."""
    ids = build_campaign(session, FOUR_BALLOTS)
    save_rules(session, ids["campaign"], {"suppress_below": 5}, now=NOW, actor_id=None)
    session.commit()
    path = tmp_path / "run.json"

    assert runner.invoke(args=["score", str(ids["campaign"]), "--json", str(path)]).exit_code == 0

    data = json.loads(path.read_text(encoding="utf-8"))
    raw = to_json(score_campaign(fresh(session), ids["campaign"]))
    session.rollback()
    assert data == shown(raw)
    a2 = next(t for t in data["targets"] if t["code"] == "A2")  # 4 ballots, the threshold 5
    assert a2["suppressed"] is True
    assert [a2[key] for key in ("total", "total_unrounded", "grade", "rank", "ballots")] == [None] * 5
    groups = a2["components"][0]["groups"]
    assert {g["n"] for g in groups} == {None} and {g["score"] for g in groups} == {None}
    assert {level["count"] for level in a2["components"][0]["levels"]} == {None}
