"""The pages work under the Content-Security-Policy, and the policy really blocks inline script."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from surveys.models import CodeBatch, Role
from tests.browser.support import issue_codes
from tests.conftest import PASSWORD
from tests.web.support import fresh


def test_the_policy_blocks_an_inline_script_and_says_so(browser_app, phone, live_server_with_probe):
    page = phone.page
    page.goto(f"{live_server_with_probe}/csp-probe")
    assert page.evaluate("window.injected === undefined")
    assert phone.csp_violations, "an inline script ran or was refused silently"


def test_a_scanned_code_opens_the_form_under_the_policy(browser_app, live_server, phone, session, make_campaign):
    grouped, _targets = issue_codes(session, browser_app, make_campaign, "round")
    response = phone.page.goto(f"{live_server}/r#{grouped[0]}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(phone.page.locator("#rate-form")).to_be_visible()  # r.js moved the code and sent the form
    expect(phone.page.locator(".step:visible")).to_have_count(1)  # and splits the targets into steps
    assert phone.csp_violations == [] and phone.errors == []


def test_admin_confirmations_run_from_the_static_script(
    browser_app, live_server, phone, session, make_campaign, make_user
):
    issue_codes(session, browser_app, make_campaign, "round")
    batch = session.scalar(select(CodeBatch))
    make_user(Role.ORGANISER, "organiser-wang")
    page = phone.page
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "organiser-wang")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.goto(f"{live_server}/admin/batches/{batch.id}")
    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click("form[data-confirm] button")
    page.wait_for_timeout(300)  # the dismissed form must not have been sent
    assert questions and "作废" in questions[0]
    assert not fresh(session).get(CodeBatch, batch.id).is_void
    assert phone.csp_violations == [] and phone.errors == []
