"""A rater scans a printed QR with a phone and rates: real Chromium, phone-sized, offline.

The QR carries ``/r#CODE``. The page's own script moves the code from the fragment into
the form and out of the address bar, the form shows one screen per target, and the
ballot is cast exactly once.
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from surveys import codes
from surveys.models import Ballot, Code, CodeStatus, Comment, Rating
from tests.browser.conftest import CHROMIUM
from tests.browser.support import issue_codes, snap
from tests.conftest import NOW
from tests.web.support import fresh

pytestmark = pytest.mark.browser

KW = {"now": NOW, "actor_id": None}
MIN_TAP_PX = 44  # Apple's and Android's minimum comfortable touch target
SUGGESTION = "窗口办事很耐心，希望延长午间服务时间。"
THANKS = "感谢您的评议"
REFUSED = "此评议码无法使用"
MISTYPED = "评议码有误，请核对后重新输入"


def test_debian_chromium_is_installed():
    """A plain failure (the other tests error at setup) when the browser is missing: never a skip."""
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: apt-get install chromium"


def assert_big(locator) -> None:
    """A comfortable touch target: at least 44 × 44 CSS pixels."""
    box = locator.bounding_box()
    assert box is not None and box["height"] >= MIN_TAP_PX and box["width"] >= MIN_TAP_PX, box


def tap_big(locator) -> None:
    assert_big(locator)
    locator.tap()


@pytest.mark.parametrize("scope, n_targets", [("unit", 2), ("round", 3)])
def test_a_scanned_code_rates_each_target_once_on_a_phone(
    browser_app, live_server, phone, session, make_campaign, tmp_path, scope, n_targets
):
    grouped, targets = issue_codes(session, browser_app, make_campaign, scope)
    assert len(targets) == n_targets
    page = phone.page
    scanned = f"{live_server}/r#{grouped[0]}"  # exactly what the printed QR carries

    page.goto(scanned)
    form = page.locator("#rate-form")
    expect(form).to_be_visible()
    assert "#" not in page.url and grouped[0] not in page.url, page.url
    assert page.evaluate("location.hash") == ""

    steps = page.locator(".step")
    expect(steps).to_have_count(n_targets)
    submit = page.locator("#submit")
    for index, target in enumerate(targets):
        visible = page.locator(".step:visible")
        expect(visible).to_have_count(1)
        expect(visible).to_have_attribute("data-step", str(index + 1))
        expect(visible.locator("h2")).to_have_text(target.name)
        fieldsets = visible.locator("fieldset")
        expect(fieldsets).to_have_count(2)
        for item_index in range(fieldsets.count()):
            labels = fieldsets.nth(item_index).locator("label.level")
            for label_index in range(labels.count()):
                assert_big(labels.nth(label_index))
            choice = labels.nth((index + item_index) % 4)  # a real level, never 不了解
            choice.tap()
            expect(choice.locator("input")).to_be_checked()
        visible.locator("textarea").fill(f"{SUGGESTION}（{target.code}）")
        if index == 0:
            snap(page, tmp_path, "rate.png" if scope == "unit" else "rate-round.png")
        expect(submit).to_be_visible()  # 不了解 is on the scale: every answer is optional
        if index < n_targets - 1:
            tap_big(visible.locator("button.next"))
    expect(submit).to_be_visible()
    assert submit.bounding_box()["height"] >= MIN_TAP_PX
    snap(page, tmp_path, f"rate-{scope}-last.png")
    submit.tap()

    expect(page.locator("h1")).to_contain_text(THANKS)
    assert page.url == f"{live_server}/r/thanks"
    snap(page, tmp_path, f"rate-{scope}-thanks.png")

    page.goto(scanned)  # the same slip scanned again
    expect(page.locator(".alert")).to_contain_text(REFUSED)
    expect(page.locator("#rate-form")).to_have_count(0)
    expect(page.locator("fieldset")).to_have_count(0)
    assert "#" not in page.url
    snap(page, tmp_path, f"rate-{scope}-refused.png")

    db = fresh(session)
    assert db.scalar(select(func.count()).select_from(Ballot)) == 1
    assert db.scalar(select(func.count()).select_from(Rating)) == n_targets * 2
    assert sorted(db.scalars(select(Comment.text))) == sorted(f"{SUGGESTION}（{t.code}）" for t in targets)
    statuses = sorted(status.value for status in db.scalars(select(Code.status)))
    assert statuses == sorted([CodeStatus.USED.value, CodeStatus.UNUSED.value])
    assert phone.blocked == [], "the rating pages must not load anything from outside"
    assert phone.errors == []
    assert phone.csp_violations == [], "the rating pages must work under the Content-Security-Policy"


def test_a_rater_who_knows_one_of_several_targets_sends_the_form_from_its_screen(
    browser_app, live_server, phone, session, make_campaign
):
    grouped, targets = issue_codes(session, browser_app, make_campaign, "round")
    page = phone.page
    page.goto(f"{live_server}/r#{grouped[0]}")
    first = page.locator(".step:visible")
    expect(first.locator("h2")).to_have_text(targets[0].name)

    for item_index in range(2):
        first.locator("fieldset").nth(item_index).locator("label.level").first.tap()
    page.locator("#submit").tap()

    expect(page.locator("h1")).to_contain_text(THANKS)
    db = fresh(session)
    assert db.scalar(select(func.count()).select_from(Ballot)) == 1
    assert set(db.scalars(select(Rating.target_id))) == {targets[0].id}  # the others left unrated


def test_a_mistyped_code_typed_by_hand_is_called_mistyped(browser_app, live_server, phone, session, make_campaign):
    grouped, _targets = issue_codes(session, browser_app, make_campaign, "round", count=1)
    first = codes.ALPHABET.index(grouped[0][0])
    mistyped = codes.ALPHABET[(first + 1) % len(codes.ALPHABET)] + grouped[0][1:]
    page = phone.page

    page.goto(f"{live_server}/r")
    field = page.locator("#code")
    expect(field).to_be_visible()
    field.tap()
    field.press_sequentially(mistyped.lower())
    page.locator("#code-form button.go").tap()

    expect(page.locator(".alert")).to_contain_text(MISTYPED)
    expect(page.locator("#rate-form")).to_have_count(0)
    expect(page.locator("#code")).to_be_visible()  # the person can try again at once
    db = fresh(session)
    assert db.scalar(select(func.count()).select_from(Ballot)) == 0
    assert list(db.scalars(select(Code.status))) == [CodeStatus.UNUSED]
    assert phone.blocked == []
    assert phone.errors == []


def test_without_javascript_a_typed_code_shows_every_target_on_one_page(
    browser_app, live_server, phone_without_script, session, make_campaign
):
    grouped, targets = issue_codes(session, browser_app, make_campaign, "unit", count=1)
    page = phone_without_script.page

    page.goto(f"{live_server}/r")
    page.locator("#code").fill(grouped[0])
    page.locator("#code-form button.go").tap()

    expect(page.locator(".step:visible")).to_have_count(len(targets))
    expect(page.locator(".nav button:visible")).to_have_count(0)  # stepping needs the script
    for fieldset in page.locator("fieldset").all():
        fieldset.locator("label.level").first.tap()
    page.locator("#submit").tap()

    expect(page.locator("h1")).to_contain_text(THANKS)
    assert fresh(session).scalar(select(func.count()).select_from(Ballot)) == 1
    assert phone_without_script.blocked == []


def held_code(page) -> str:
    """The code the open rating form casts with, as printed on the slip."""
    return codes.display(page.locator("#rate-form input[name=code]").input_value())


@pytest.mark.parametrize("first", ["code page", "a first code's form"])
def test_a_code_opened_in_a_tab_already_at_r_opens_its_form(
    browser_app, live_server, phone, session, make_campaign, first
):
    grouped, _targets = issue_codes(session, browser_app, make_campaign, "round")
    page = phone.page
    if first == "code page":
        page.goto(f"{live_server}/r")
        expect(page.locator("#code")).to_be_visible()
    else:
        page.goto(f"{live_server}/r#{grouped[0]}")
        expect(page.locator("#rate-form")).to_be_visible()
        assert held_code(page) == grouped[0]

    page.goto(f"{live_server}/r#{grouped[1]}")  # same page, new fragment: nothing loads by itself

    expect(page.locator("#rate-form")).to_be_visible()
    expect(page.locator("#rate-form input[name=code]")).to_have_value(codes.normalise(grouped[1]))
    page.wait_for_load_state("load")  # its script and style sheet too, before the test ends and closes it
    assert "#" not in page.url and page.evaluate("location.hash") == ""
    assert phone.errors == [] and phone.csp_violations == []


def test_switching_to_english_on_a_codes_form_keeps_the_form_and_never_sends_the_code(
    browser_app, live_server, phone, session, make_campaign
):
    grouped, targets = issue_codes(session, browser_app, make_campaign, "unit", count=1)
    page = phone.page
    wire: list[str] = []  # every URL, redirect and language-switch body; only posts to /r may hold the code
    page.on("request", lambda r: wire.append(r.url + (r.post_data or "" if "/language" in r.url else "")))
    page.on("response", lambda r: wire.append(r.headers.get("location", "")))
    page.goto(f"{live_server}/r#{grouped[0]}")
    expect(page.locator("#rate-form")).to_be_visible()
    wire.clear()  # the QR's own URL holds the code in its fragment, by design
    switch = page.locator("#language button")
    expect(switch).to_have_text("English")
    assert_big(switch)

    switch.tap()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#rate-form")).to_be_visible()
    assert held_code(page) == grouped[0]
    page.wait_for_load_state("load")  # its script and style sheet too, before the test ends and closes it
    expect(page.locator(".step:visible h2")).to_have_text(targets[0].name, timeout=15_000)  # the same code's form
    expect(page.locator("#language button")).to_have_text("简体中文")
    assert "#" not in page.url and page.evaluate("location.hash") == ""
    assert any("/language" in line for line in wire)
    canonical = codes.normalise(grouped[0])
    spellings = {grouped[0], canonical, grouped[0].lower(), canonical.lower()}
    assert not [line for line in wire if any(spelling in line for spelling in spellings)]
    assert phone.errors == [] and phone.csp_violations == [] and phone.blocked == []
