"""Unit drop-downs list the campaign's units by pinyin; the target list filters by kind too."""

from __future__ import annotations

import re

import pytest

from surveys.models import Role
from surveys.services import organisation
from tests.builders import add_departments
from tests.conftest import NOW

KW = {"now": NOW, "actor_id": None}
#: The campaign's units in pinyin order; 安监局 (an) has no target in it.
IN_PINYIN_ORDER = ["2026年度评议-单位", "财政局", "民政局", "税务局"]


@pytest.fixture
def campaign(session, make_campaign):
    campaign = make_campaign()
    add_departments(session, campaign)
    organisation.save_unit(session, "安监局", None, **KW)
    session.commit()
    return campaign


def options(html: str, name: str) -> list[str]:
    """The labels of a select's options, placeholder ("全部", "—") left out."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    labels = [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)]
    return [label for label in labels if label not in ("全部", "—", "（无）")]


def test_campaign_unit_drop_downs_list_the_campaigns_units_by_pinyin(client, login, campaign):
    login()
    pages = {
        "target list": (f"/admin/campaigns/{campaign.id}/targets", "unit"),
        "ledger filter": (f"/ledger/campaigns/{campaign.id}", "unit"),
        "batches": (f"/admin/rounds/{campaign.rounds[0].id}/codes", "unit_id"),
    }
    for what, (path, name) in pages.items():
        response = client.get(path)
        assert response.status_code == 200, what
        assert options(response.get_data(as_text=True), name) == IN_PINYIN_ORDER, what


def test_the_user_form_and_hand_filing_list_every_unit_by_pinyin(client, login, campaign):
    """A 12345 call may name a unit not rated in the campaign: hand filing offers every unit."""
    login(Role.ADMIN)
    html = client.get("/admin/users").get_data(as_text=True)
    assert options(html, "unit_id") == ["2026年度评议-单位", "安监局", *IN_PINYIN_ORDER[1:]]
    filing = client.get(f"/ledger/campaigns/{campaign.id}/problems/new").get_data(as_text=True)
    assert options(filing, "unit_id") == ["2026年度评议-单位", "安监局", *IN_PINYIN_ORDER[1:]]


def test_the_target_list_shows_each_kind_and_filters_by_it(client, session, login, campaign):
    login()
    html = client.get(f"/admin/campaigns/{campaign.id}/targets").get_data(as_text=True)
    assert "<th>类型</th>" in html and options(html, "kind") == ["单位", "窗口", "个人"]
    windows = client.get(f"/admin/campaigns/{campaign.id}/targets?kind=window").get_data(as_text=True)
    rows = re.findall(r"<tr><td data-label=\"编号\">(\w+)</td>", windows)
    assert rows == ["D12", "D22", "D32"]
    assert '<option value="window" selected>' in windows
    tax = next(u.id for u in organisation.list_units(session) if u.name == "税务局")
    one = client.get(f"/admin/campaigns/{campaign.id}/targets?kind=person&unit={tax}").get_data(as_text=True)
    assert re.findall(r"<tr><td data-label=\"编号\">(\w+)</td>", one) == ["D10", "D11"]
    assert client.get(f"/admin/campaigns/{campaign.id}/targets?kind=building").status_code == 200
