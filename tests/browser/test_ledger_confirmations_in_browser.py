"""Closing (销号) and withdrawing (撤销) a problem ask first, in a real browser: declining
sends nothing, accepting goes through; a verdict must be chosen before anything is asked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from surveys.models import Problem, ProblemState, Role
from tests.browser.support import answer_next_question, sign_in
from tests.ledger_world import build_ledger
from tests.web.support import fresh

pytestmark = pytest.mark.browser


def test_closing_asks_first_and_declining_keeps_the_problem_waiting(
    live_server, desktop, session, make_campaign, make_user
):
    world = build_ledger(session, make_campaign)
    make_user(Role.ORGANISER, "jfb")
    pid = world["problem_a"]
    sign_in(desktop, live_server, "jfb")
    desktop.goto(f"{live_server}/ledger/problems/{pid}")

    expect(desktop.locator("select[name=verdict]")).to_have_value("")
    desktop.get_by_role("button", name="提交核验").click()  # nothing chosen: the browser holds the form
    expect(desktop.locator("h1 .badge").first).to_have_text("待核验")

    desktop.select_option("select[name=verdict]", "satisfied")
    asked = answer_next_question(desktop, accept=False)
    desktop.get_by_role("button", name="提交核验").click()
    expect(desktop.locator("h1 .badge").first).to_have_text("待核验")
    assert asked and "销号" in asked[0]
    assert fresh(session).get(Problem, pid).state is ProblemState.REPORTED

    answer_next_question(desktop, accept=True)
    desktop.get_by_role("button", name="提交核验").click()
    expect(desktop.locator("h1 .badge").first).to_have_text("已销号")


def test_withdrawing_asks_first_then_shows_the_reason(live_server, desktop, session, make_campaign, make_user):
    world = build_ledger(session, make_campaign)
    make_user(Role.ORGANISER, "jfb")
    pid = world["problem_b"]
    sign_in(desktop, live_server, "jfb")
    desktop.goto(f"{live_server}/ledger/problems/{pid}")
    desktop.fill("input[name=reason]", "与另一项重复登记")

    asked = answer_next_question(desktop, accept=False)
    desktop.get_by_role("button", name="撤销此整改事项").click()
    expect(desktop.locator("h1 .badge").first).to_have_text("待核验")
    assert asked and "撤销" in asked[0]

    answer_next_question(desktop, accept=True)
    desktop.get_by_role("button", name="撤销此整改事项").click()
    expect(desktop.locator("h1 .badge").first).to_have_text("已撤销")
    expect(desktop.locator(".facts")).to_contain_text("与另一项重复登记")
    expect(desktop.locator(".facts")).to_contain_text("jfb")
