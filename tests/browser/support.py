"""Helpers the browser tests share: signing in on a page, codes for a phone, screenshots."""

from __future__ import annotations

import os

from playwright.sync_api import expect
from sqlalchemy import select

from surveys import codes
from surveys.models import (
    Target,
)
from surveys.services import issuing, organisation, rounds
from tests.builders import KW, keys_of
from tests.conftest import PASSWORD


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".who")).to_be_visible()


def issue_codes(session, app, make_campaign, scope: str, count: int = 2) -> tuple[list[str], list[Target]]:
    """An open round and ``count`` codes of ``scope``; returns them (grouped) and the targets they rate.

    The demo campaign has three targets in one unit; B01 moves to a second unit so that a
    unit code rates two targets and a round code three.
    """
    campaign = make_campaign()
    b01 = session.scalar(select(Target).where(Target.campaign_id == campaign.id, Target.code == "B01"))
    first_unit = b01.unit_id
    other = organisation.save_unit(session, "另一单位", None, **KW)
    organisation.save_target(
        session,
        campaign.id,
        {"code": "B01", "name": b01.name, "kind": "person", "category": "行政执法", "unit_id": other.id},
        target_id=b01.id,
        **KW,
    )
    round_ = campaign.rounds[0]
    rounds.open_round(session, round_.id, **KW)
    unit_id = first_unit if scope == "unit" else None
    _batch, issued = issuing.issue_batch(
        session, round_.id, round_.groups[0].id, count, keys_of(app), unit_id=unit_id, **KW
    )
    session.commit()
    stmt = select(Target).where(Target.campaign_id == campaign.id).order_by(Target.code)
    if scope == "unit":
        stmt = stmt.where(Target.unit_id == first_unit)
    return [codes.display(code) for code in issued], list(session.scalars(stmt))


def snap(page, tmp_path, name: str) -> None:
    """A full-page screenshot into ``EVALSITE_SCREENSHOTS`` if set (e.g. /tmp), else the test's tmp folder."""
    folder = os.environ.get("EVALSITE_SCREENSHOTS") or str(tmp_path)
    page.screenshot(path=os.path.join(folder, name), full_page=True)


def answer_next_question(page, accept: bool) -> list[str]:
    """Answer the next confirm() with OK or Cancel; returns where its question is recorded."""
    asked: list[str] = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", answer)
    return asked
