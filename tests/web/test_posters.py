"""Open rounds get printable posters whose QR leads to the code-free form."""

from __future__ import annotations

from surveys.models import Role
from surveys.services import rounds
from tests.conftest import NOW


def test_an_open_round_has_one_poster_per_target_linking_to_its_form(client, login, session, make_campaign):
    campaign = make_campaign()
    round_ = campaign.rounds[0]
    rounds.save_group(session, round_.id, {"name": "公众", "weight": 0.2, "is_public": True}, now=NOW, actor_id=None)
    round_.is_open_round = True
    session.commit()
    login(Role.ORGANISER)

    page = client.get(f"/admin/rounds/{round_.id}/posters")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<svg") == len(campaign.targets)
    for target in campaign.targets:
        assert f"/o/{round_.id}/{target.id}" in html
        assert target.name in html


def test_a_round_with_codes_has_no_posters(client, login, make_campaign):
    round_ = make_campaign().rounds[0]
    login(Role.ORGANISER)

    page = client.get(f"/admin/rounds/{round_.id}/posters")

    assert page.status_code == 200
    assert "<svg" not in page.get_data(as_text=True)
    assert "没有张贴二维码" in page.get_data(as_text=True)
