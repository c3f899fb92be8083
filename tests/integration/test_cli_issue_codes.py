"""``flask issue-codes``: a batch, its PDF and its CSV, or a clear error and nothing at all."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select

from evalsite.cli import codes as cli_codes
from surveys import codes
from surveys.models import BatchScope, Code, CodeBatch
from surveys.services import rounds
from tests.conftest import NOW

KW = {"now": NOW, "actor_id": None}


def fresh(session):
    session.commit()  # end the read transaction, so the CLI's commits are visible
    session.expire_all()
    return session


def batches(session) -> list[CodeBatch]:
    return list(fresh(session).scalars(select(CodeBatch)))


def run(runner, round_id, *args: str, tmp_path, count: str = "20"):
    pdf, listing = tmp_path / "slips.pdf", tmp_path / "codes.csv"
    argv = ["issue-codes", str(round_id), "--group", "服务对象", "--count", count]
    return runner.invoke(args=[*argv, "--pdf", str(pdf), "--csv", str(listing), *args]), pdf, listing


def test_issue_codes_writes_a_batch_its_slips_and_its_list(app, runner, session, make_campaign, tmp_path):
    round_ = make_campaign().rounds[0]
    result, pdf, listing = run(runner, round_.id, "--label", "政务大厅", tmp_path=tmp_path)

    assert result.exit_code == 0, result.output
    (batch,) = batches(session)
    assert (batch.size, batch.scope, batch.label) == (20, BatchScope.ROUND, "政务大厅")
    assert f"第 {batch.id} 批" in result.output and "20" in result.output
    assert "生成评议码条" in result.stderr and "生成评议码条" not in result.stdout  # the progress bar
    assert pdf.read_bytes().startswith(b"%PDF")

    text = listing.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(text[1:].splitlines()))
    assert header == ["code", "url"] and len(rows) == 20
    lookup = app.config["LOOKUP_KEY"].encode()
    digests = {codes.digest(lookup, grouped) for grouped, _url in rows}
    assert digests == set(session.scalars(select(Code.digest).where(Code.batch_id == batch.id)))
    assert all(url == codes.code_url(app.config["PUBLIC_BASE_URL"], grouped) for grouped, url in rows)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codes.csv", "slips.pdf"]  # no leftovers


def test_issue_codes_can_bind_the_batch_to_one_target(runner, session, make_campaign, tmp_path):
    campaign = make_campaign()
    target = campaign.targets[1]
    result, _pdf, _csv = run(runner, campaign.rounds[0].id, "--target", target.code, tmp_path=tmp_path, count="3")
    assert result.exit_code == 0, result.output
    (batch,) = batches(session)
    assert batch.scope is BatchScope.TARGET
    assert set(session.scalars(select(Code.target_id))) == {target.id}


BAD_ARGUMENTS = {
    "unknown round": (["--group", "服务对象"], "99999", "ROUND"),
    "unknown group": (["--group", "路人"], None, "--group"),
    "unknown target": (["--target", "ZZ99"], None, "--target"),
    "unknown unit": (["--unit", "不存在的单位"], None, "--unit"),
    "target and unit": (["--target", "A01", "--unit", "x"], None, "--unit"),
    "count zero": (["--count", "0"], None, "--count"),
    "count too big": (["--count", "100001"], None, "--count"),
    "folder missing": (["--pdf", "{tmp}/missing/slips.pdf"], None, "--pdf"),
    "pdf is a folder": (["--pdf", "{tmp}"], None, "--pdf"),
    "csv folder missing": (["--csv", "{tmp}/missing/codes.csv"], None, "--csv"),
}


@pytest.mark.parametrize("case", BAD_ARGUMENTS, ids=str)
def test_a_bad_argument_is_refused_and_nothing_is_written(runner, session, make_campaign, tmp_path, case):
    round_ = make_campaign().rounds[0]
    extra, round_arg, mentioned = BAD_ARGUMENTS[case]
    out = tmp_path / "out"
    out.mkdir()
    extra = [arg.replace("{tmp}", str(out)) for arg in extra]
    result, _pdf, _csv = run(runner, round_arg or round_.id, *extra, tmp_path=out)

    assert result.exit_code != 0
    assert mentioned in result.output
    assert batches(session) == []
    assert list(out.iterdir()) == []


def test_no_codes_for_a_closed_round(runner, session, make_campaign, tmp_path):
    round_ = make_campaign().rounds[0]
    rounds.open_round(session, round_.id, **KW)
    rounds.close_round(session, round_.id, **KW)
    session.commit()
    result, _pdf, _csv = run(runner, round_.id, tmp_path=tmp_path)

    assert result.exit_code != 0 and "轮次已结束" in result.output
    assert batches(session) == []
    assert list(tmp_path.iterdir()) == []


def test_a_batch_whose_slips_cannot_be_written_is_voided_and_no_file_is_left(
    runner, session, make_campaign, tmp_path, monkeypatch
):
    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli_codes, "render_slips", disk_full)
    round_ = make_campaign().rounds[0]
    result, _pdf, _csv = run(runner, round_.id, tmp_path=tmp_path)

    assert result.exit_code != 0
    (batch,) = batches(session)
    assert batch.is_void and f"第 {batch.id} 批评议码已作废" in result.output
    unused = select(func.count()).select_from(Code).where(Code.batch_id == batch.id, Code.status != "void")
    assert session.scalar(unused) == 0
    assert list(tmp_path.iterdir()) == []
