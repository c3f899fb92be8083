"""The ledger in a real browser: an organiser files a problem from raters' comments, the unit
officer reports with a photo, the organiser rejects it once, the unit reports again, and the
organiser closes it (销号). Desktop Chromium, CSRF on, offline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from evalsite.database import utcnow
from surveys.models import AuditEntry, Problem, ProblemSource, ProblemState, Role, Verdict
from tests.browser.conftest import LOCAL_HOST
from tests.browser.support import sign_in
from tests.ledger_world import PNG, build_ledger
from tests.web.support import fresh

pytestmark = pytest.mark.browser

DEADLINE = (utcnow().date() + timedelta(days=15)).isoformat()
NEW_DEADLINE = (utcnow().date() + timedelta(days=25)).isoformat()


@pytest.fixture
def desktop(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    left: list[str] = []

    def local_only(route):
        if route.request.url.startswith(f"http://{LOCAL_HOST}"):
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not left, f"requests left 127.0.0.1: {left}"
    assert not errors


def sign_out(page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page.locator("input[name=username]")).to_be_visible()


def test_a_problem_goes_from_comments_to_closed_with_one_rejection(
    live_server, desktop, session, make_campaign, make_user, tmp_path
):
    world = build_ledger(session, make_campaign)
    make_user(Role.ORGANISER, "jfb")
    make_user(Role.UNIT_OFFICER, "officer_a", unit_id=world["unit_a"])
    photo = tmp_path / "整改现场.png"
    photo.write_bytes(PNG)
    page = desktop

    # The organiser picks two comments of A01 and files them as one problem.
    sign_in(page, live_server, "jfb")
    page.get_by_role("link", name="整改台账").first.click()
    page.get_by_role("link", name="2026年度评议").click()
    page.get_by_role("link", name="从评议意见登记").click()
    page.select_option("select[name=target]", str(world["targets"]["A01"]))
    page.get_by_role("button", name="查看").click()
    page.get_by_label("态度生硬").check()
    page.get_by_label("排队时间太长").check()
    page.fill("input[name=title]", "窗口服务态度和排队问题")
    page.fill("input[name=deadline_on]", DEADLINE)
    page.get_by_role("button", name="登记为整改事项").click()
    expect(page.locator("h1")).to_contain_text("窗口服务态度和排队问题")
    expect(page.locator("h1 .badge")).to_have_text("待整改")
    expect(page.locator(".quotes")).to_contain_text("态度生硬")
    sign_out(page)

    # The unit officer finds it on the unit's ledger and reports with a photo.
    sign_in(page, live_server, "officer_a")
    page.get_by_role("link", name="整改台账").first.click()
    page.get_by_role("link", name="窗口服务态度和排队问题").click()
    page.fill("textarea[name=text]", "已调整午间排班，设置取号提醒")
    page.set_input_files("input[name=files]", str(photo))
    page.get_by_role("button", name="报送").click()
    expect(page.locator("h1 .badge").first).to_have_text("待核验")
    expect(page.get_by_role("link", name="整改现场.png")).to_be_visible()
    sign_out(page)

    # The organiser is not satisfied and sets a new deadline.
    sign_in(page, live_server, "jfb")
    problem_id = fresh(session).scalar(select(Problem.id).where(Problem.source == ProblemSource.COMMENT))
    page.goto(f"{live_server}/ledger/problems/{problem_id}")
    page.select_option("select[name=verdict]", "unsatisfied")
    page.fill("textarea[name=text]", "缺少排班表")
    page.fill("input[name=deadline_on]", NEW_DEADLINE)
    page.once("dialog", lambda dialog: dialog.accept())  # the verdict asks before it is sent
    page.get_by_role("button", name="提交核验").click()
    expect(page.locator("h1 .badge").first).to_have_text("重新整改")
    expect(page.locator(".steps")).to_contain_text("核验：不满意")
    sign_out(page)

    # The unit reports again.
    sign_in(page, live_server, "officer_a")
    page.goto(f"{live_server}/ledger/problems/{problem_id}")
    page.fill("textarea[name=text]", "已补充排班表")
    page.get_by_role("button", name="报送").click()
    expect(page.locator("h1 .badge").first).to_have_text("待核验")
    sign_out(page)

    # The organiser is satisfied: the problem is closed (销号) with who and when.
    sign_in(page, live_server, "jfb")
    page.goto(f"{live_server}/ledger/problems/{problem_id}")
    page.select_option("select[name=verdict]", "satisfied")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交核验").click()
    expect(page.locator("h1 .badge").first).to_have_text("已销号")
    expect(page.locator(".facts")).to_contain_text("jfb")

    problem = fresh(session).get(Problem, problem_id)
    assert (problem.state, problem.verdict, problem.deadline_on.isoformat()) == (
        ProblemState.CLOSED, Verdict.SATISFIED, NEW_DEADLINE,
    )  # fmt: skip
    assert problem.closer.username == "jfb" and problem.closed_at is not None
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.object_type == "problems", AuditEntry.object_id == problem_id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["problem.file", "problem.report", "problem.verify", "problem.report", "problem.verify"]
