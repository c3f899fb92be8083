"""The ledger's XLSX export: the final verdict only for closed problems, and a history of
reports and verdicts in the order they happened."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from surveys.models import Verdict
from surveys.services import problems
from surveys.services.ledger_export import HEADER, ledger_workbook
from tests.conftest import NOW
from tests.ledger_world import TODAY, build_ledger

DAY = timedelta(days=1)
HISTORY, FINAL = HEADER.index("整改与核验记录"), HEADER.index("最终评价")


@pytest.fixture
def world(session, make_campaign):
    return build_ledger(session, make_campaign)


def exported(session, campaign_id: int) -> dict[str, tuple]:
    """The export's rows by problem title."""
    sheet = load_workbook(io.BytesIO(ledger_workbook(session, campaign_id, today=TODAY, zone="Asia/Shanghai"))).active
    return {row[1]: row for row in sheet.iter_rows(min_row=3, values_only=True)}


def send_back_and_report_again(session, problem_id: int, unit_id: int) -> None:
    """不满意 on day 2 with a new deadline, then the unit reports again on day 3."""
    new_deadline = TODAY + timedelta(days=20)
    problems.verify(
        session, problem_id, Verdict.UNSATISFIED, "照片不清", new_deadline, today=TODAY, now=NOW + DAY, actor_id=None
    )
    problems.report(
        session, problem_id, "已补拍", [], unit_id=unit_id, max_bytes=2**20, now=NOW + 2 * DAY, actor_id=None
    )


def test_a_problem_sent_back_and_reported_again_has_no_final_verdict(session, world):
    send_back_and_report_again(session, world["problem_a"], world["unit_a"])
    session.commit()

    row = exported(session, world["campaign_id"])["窗口午休无人值守"]

    assert row[2] == "待核验"
    assert row[FINAL] is None


def test_the_history_lists_reports_and_verdicts_in_order_with_their_dates(session, world):
    send_back_and_report_again(session, world["problem_a"], world["unit_a"])
    problems.verify(
        session,
        world["problem_a"],
        Verdict.BASICALLY_SATISFIED,
        "",
        None,
        today=TODAY,
        now=NOW + 3 * DAY,
        actor_id=None,
    )
    session.commit()

    row = exported(session, world["campaign_id"])["窗口午休无人值守"]

    deadline = TODAY + timedelta(days=20)
    assert row[HISTORY].splitlines() == [
        f"{TODAY} 整改报告",
        f"{TODAY + DAY} 核验：不满意（新期限 {deadline}）",
        f"{TODAY + 2 * DAY} 整改报告",
        f"{TODAY + 3 * DAY} 核验：基本满意",
    ]
    assert row[FINAL] == "基本满意"
    assert row[HEADER.index("销号时间")] == NOW + 3 * DAY + timedelta(hours=8)  # on Beijing's clocks


def test_a_step_late_in_the_utc_day_is_dated_on_the_local_calendar(session, world):
    deadline = TODAY + timedelta(days=20)
    late = NOW + timedelta(hours=15)  # 00:00 the next day in Beijing
    problems.verify(
        session, world["problem_a"], Verdict.UNSATISFIED, "照片不清", deadline, today=TODAY, now=late, actor_id=None
    )
    session.commit()

    row = exported(session, world["campaign_id"])["窗口午休无人值守"]

    assert row[HISTORY].splitlines()[-1] == f"{TODAY + DAY} 核验：不满意（新期限 {deadline}）"


def test_a_withdrawn_problem_keeps_its_history_but_has_no_final_verdict(session, world):
    send_back_and_report_again(session, world["problem_a"], world["unit_a"])
    problems.withdraw(session, world["problem_a"], "登记有误", now=NOW + 3 * DAY, actor_id=None)
    session.commit()

    row = exported(session, world["campaign_id"])["窗口午休无人值守"]

    assert (row[2], row[FINAL]) == ("已撤销", None)
    assert len(row[HISTORY].splitlines()) == 3
