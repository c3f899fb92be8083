"""The public results page on a phone: real Chromium, offline, nothing wider than the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from surveys.models import PublicPage, Role
from surveys.services import publishing
from tests.builders import GOLDEN_INPUT_DIGEST, build_campaign, publish_through, stored_run
from tests.conftest import NOW

pytestmark = pytest.mark.browser


def test_a_citizen_reads_the_published_results_on_a_phone_without_leaving_our_host(
    session, make_user, live_server, phone
):
    ids = build_campaign(session)
    people = {role: make_user(role, role.value).id for role in (Role.ORGANISER, Role.LEADER)}
    run = stored_run(session, ids["campaign"])
    publish_through(session, run.id, people)
    session.commit()
    token = session.scalar(select(PublicPage.token))

    phone.page.goto(f"{live_server}/public/{token}")

    page = phone.page
    expect(page.locator("h1")).to_have_text("2026年度评议")
    expect(page.locator("#top")).to_contain_text("张三")
    expect(page.locator("#bottom")).to_contain_text("钱七")
    expect(page.locator("#verify")).to_contain_text(GOLDEN_INPUT_DIGEST)
    viewport = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport
    assert phone.blocked == [] and phone.errors == []
    assert publishing.published_run(session, ids["campaign"]).published_at == NOW
