"""A code covering many targets: on a phone the rater finds a person by pinyin initials or by
name, jumps straight to their screen, rates them and sends the ballot, with nothing leaving the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from surveys import codes
from surveys.models import Ballot, Rating, Target
from surveys.services import issuing
from tests.browser.support import snap
from tests.builders import KW, add_departments, keys_of, open_first_round
from tests.web.support import fresh

pytestmark = pytest.mark.browser

MIN_TAP_PX = 44
PHONE_WIDTH_PX = 390


def rate_visible_step(page) -> None:
    """Tap the first real level (never 不了解) of each item on the screen shown."""
    for fieldset in page.locator(".step:visible fieldset").all():
        choice = fieldset.locator("label.level").first
        choice.tap()
        expect(choice.locator("input")).to_be_checked()


def test_a_rater_finds_two_of_twelve_targets_by_initials_and_by_name_rates_them_and_sends(
    browser_app, live_server, phone, session, make_campaign, tmp_path
):
    campaign = make_campaign()
    add_departments(session, campaign)  # 12 targets: 政策法规科科长 in 税务局, 财政局 and 民政局
    round_ = open_first_round(session, campaign)
    _batch, (code,) = issuing.issue_batch(session, round_.id, round_.groups[0].id, 1, keys_of(browser_app), **KW)
    session.commit()
    by_name = {target.name: target for target in session.scalars(select(Target))}
    page = phone.page
    page.set_viewport_size({"width": PHONE_WIDTH_PX, "height": 844})

    page.goto(f"{live_server}/r#{codes.display(code)}")
    find = page.get_by_label("查找评议对象（姓名、职务、单位或拼音首字母）")
    jump = page.get_by_label("跳到评议对象")
    expect(find).to_be_visible()
    expect(jump.locator("option")).to_have_count(13)
    expect(page.locator(".step:visible h2")).to_have_text("张三")
    for control in (find, jump):
        box = control.bounding_box()
        assert box["height"] >= MIN_TAP_PX and box["x"] + box["width"] <= PHONE_WIDTH_PX, box

    find.tap()
    find.press_sequentially("zcfgkkz mzj")  # 政策法规科科长 of 民政局, by initials
    expect(jump.locator("option")).to_have_count(2)
    expect(jump.locator("option").first).to_have_text("找到 1 位，请选择")
    expect(jump.locator("option").nth(1)).to_contain_text("民政局0 · 政策法规科科长 · 民政局")
    expect(page.locator("#none")).to_be_hidden()
    snap(page, tmp_path, "search-initials.png")
    jump.select_option(index=1)
    expect(page.locator(".step:visible h2")).to_have_text("民政局0")
    rate_visible_step(page)

    find.fill("")
    find.press_sequentially("xyz")
    expect(page.locator("#none")).to_be_visible()
    expect(jump.locator("option")).to_have_count(1)

    find.fill("")
    find.press_sequentially("财政局1")  # by the Chinese name; Enter goes to the first match
    expect(jump.locator("option")).to_have_count(2)
    find.press("Enter")
    visible = page.locator(".step:visible")
    expect(visible.locator("h2")).to_have_text("财政局1")
    expect(visible).to_contain_text("办公室主任 · 财政局")
    rate_visible_step(page)
    snap(page, tmp_path, "search-name.png")

    submit = page.locator("#submit")
    expect(submit).to_be_visible()  # 不了解 is on the scale: the form may be sent from any screen
    submit.tap()

    expect(page.locator("h1")).to_contain_text("感谢您的评议")
    db = fresh(session)
    assert db.scalar(select(func.count()).select_from(Ballot)) == 1
    assert set(db.scalars(select(Rating.target_id))) == {by_name["民政局0"].id, by_name["财政局1"].id}
    assert phone.blocked == [], "searching must not load anything from outside"
    assert phone.errors == [] and phone.csp_violations == []
