"""Open rounds get printable posters whose QR leads to the code-free form, and that form's rater side."""

from __future__ import annotations

import pytest

from surveys.models import Role, Round, Target
from surveys.services import rounds
from tests.builders import KW, open_first_round
from tests.conftest import NOW
from tests.web.support import (
    ballot_form,
    choose_language,
    held_in_cookie,
    language_switch,
    location,
    page_text,
    token_of,
)


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


# --- the rater's side of a poster --------------------------------------------------------------


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def poster(session, make_campaign) -> str:
    """The path behind the poster of the first target of an open round."""
    campaign = make_campaign()
    round_ = campaign.rounds[0]
    group = round_.groups[0]
    rounds.save_group(
        session, round_.id, {"name": group.name, "weight": 0.6, "is_public": True}, group_id=group.id, **KW
    )
    open_first_round(session, campaign, is_open_round=True)
    return f"/o/{round_.id}/{campaign.targets[0].id}"


def poster_ballot(session, path: str) -> dict[str, str]:
    """What the poster's form posts when every item is answered with the first level."""
    round_id, target_id = (int(part) for part in path.split("/")[2:])
    form = ballot_form("", session.get(Round, round_id), [session.get(Target, target_id)])
    del form["code"]
    return form


def test_a_poster_ballot_is_thanked_without_mention_of_a_code(client, session, poster):
    cast = client.post(poster, data=poster_ballot(session, poster))

    assert cast.status_code == 302
    path, query = location(cast)
    assert path != "/r/thanks" and not query
    thanks = page_text(client.get(cast.headers["Location"]))
    assert "感谢您的评议" in thanks and "您的评议已匿名记录" in thanks
    assert "评议码" not in thanks


def test_a_code_ballot_is_still_told_its_code_is_used_up(client):
    assert "评议码已使用，不能再次使用" in page_text(client.get("/r/thanks"))


def test_a_poster_rater_who_chose_english_keeps_it_after_casting(csrf_app, session, poster):
    client = csrf_app.test_client()
    assert language_switch(client.get(poster))["next"] == poster
    switched = choose_language(client, "en", poster)
    assert switched.status_code == 302 and switched.headers["Location"] == poster
    form = client.get(poster)

    cast = client.post(poster, data=poster_ballot(session, poster) | {"csrf_token": token_of(form)})

    assert cast.status_code == 302
    assert held_in_cookie(client) == {"lang": "en"}
    thanks = client.get(cast.headers["Location"])
    assert '<html lang="en">' in thanks.get_data(as_text=True)
    assert "Thank you for your evaluation!" in page_text(thanks)


@pytest.mark.parametrize("path", ["/o/6/0", "/o/6/x", "/o/6", "/r/no-such-page"])
def test_a_malformed_rater_link_gets_a_calm_rater_page_not_the_admin_layout(client, path):
    response = client.get(path)

    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "/static/public.css" in body and "/static/app.css" not in body
    assert 'role="alert"' in body
    assert 'href="/"' not in body and "/admin" not in body
    assert language_switch(response)["next"] == "/r"  # a path that matched nothing is never echoed
