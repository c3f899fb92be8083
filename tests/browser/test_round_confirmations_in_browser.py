"""Opening and closing a round ask first, in a real browser: declining sends nothing (closing
cannot be undone), accepting goes through."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from surveys.models import Role, Round, RoundStatus
from tests.browser.support import answer_next_question, sign_in
from tests.web.support import fresh

pytestmark = pytest.mark.browser


def test_opening_and_closing_a_round_ask_first_and_declining_changes_nothing(
    live_server,
    desktop,
    session,
    make_campaign,
    make_user,
):
    round_id = make_campaign().rounds[0].id
    make_user(Role.ORGANISER, "jfb")
    sign_in(desktop, live_server, "jfb")
    desktop.goto(f"{live_server}/admin/rounds/{round_id}")

    for button, state in (("开放轮次", RoundStatus.OPEN), ("结束轮次", RoundStatus.CLOSED)):
        before = fresh(session).get(Round, round_id).status
        asked = answer_next_question(desktop, accept=False)
        desktop.get_by_role("button", name=button).click()
        expect(desktop.get_by_role("button", name=button)).to_be_visible()
        assert asked, f"{button} asked nothing"
        assert fresh(session).get(Round, round_id).status is before

        answer_next_question(desktop, accept=True)
        desktop.get_by_role("button", name=button).click()
        expect(desktop.get_by_role("button", name=button)).to_have_count(0)
        assert fresh(session).get(Round, round_id).status is state
