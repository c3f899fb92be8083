"""With CSRF protection on (as in production), a POST without the page's token is refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from surveys.models import AuditEntry, Campaign
from tests.conftest import PASSWORD
from tests.web.support import database_rows, fresh, location, page_text

#: What staff pages say (sign in again); raters are told to scan or type their code again.
EXPIRED = "页面已过期，内容没有提交。请返回上一页，刷新后重试；如已退出，请先重新登录。"
RATER_EXPIRED = "页面已过期或来源不明，请重新扫码或输入评议码后再试。"


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


def token_on(response) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in_with_token(client, username: str) -> None:
    token = token_on(client.get("/login"))
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, page_text(response)


def test_the_login_form_works_with_the_token_from_the_page(csrf_client, make_user):
    make_user(username="organiser-wang")
    sign_in_with_token(csrf_client, "organiser-wang")
    assert csrf_client.get("/admin/").status_code == 200


def test_a_login_without_the_token_is_refused_recorded_nowhere_and_signs_no_one_in(csrf_client, make_user, session):
    make_user(username="organiser-wang")
    before = database_rows(session)
    response = csrf_client.post("/login", data={"username": "organiser-wang", "password": PASSWORD})
    assert response.status_code == 400
    assert EXPIRED in page_text(response)
    assert database_rows(session) == before
    assert location(csrf_client.get("/admin/"))[0] == "/login"


def test_a_post_without_the_token_is_refused_and_writes_nothing(csrf_client, make_user, session):
    make_user(username="organiser-wang")
    sign_in_with_token(csrf_client, "organiser-wang")
    before = database_rows(session)
    response = csrf_client.post("/admin/campaigns/new", data={"name": "2026年度评议", "year": "2026"})
    assert response.status_code == 400
    assert EXPIRED in page_text(response)
    assert database_rows(session) == before


def test_a_token_from_another_session_is_refused(csrf_app, make_user, session):
    make_user(username="organiser-wang")
    victim, attacker = csrf_app.test_client(), csrf_app.test_client()
    sign_in_with_token(victim, "organiser-wang")
    foreign_token = token_on(attacker.get("/login"))
    response = victim.post(
        "/admin/campaigns/new", data={"name": "2026年度评议", "year": "2026", "csrf_token": foreign_token}
    )
    assert response.status_code == 400
    assert fresh(session).scalar(select(func.count()).select_from(Campaign)) == 0


def test_the_token_from_the_page_lets_the_form_through(csrf_client, make_user, session):
    make_user(username="organiser-wang")
    sign_in_with_token(csrf_client, "organiser-wang")
    token = token_on(csrf_client.get("/admin/campaigns/new"))
    response = csrf_client.post(
        "/admin/campaigns/new", data={"name": "2026年度评议", "year": "2026", "csrf_token": token}
    )
    assert response.status_code == 302
    assert fresh(session).scalars(select(Campaign.name)).all() == ["2026年度评议"]


def test_logout_without_the_token_is_refused_and_keeps_the_user_signed_in(csrf_client, make_user, session):
    make_user(username="organiser-wang")
    sign_in_with_token(csrf_client, "organiser-wang")
    assert csrf_client.post("/logout").status_code == 400
    assert csrf_client.get("/admin/").status_code == 200
    logins = fresh(session).scalar(select(func.count()).where(AuditEntry.action == "auth.login"))
    assert logins == 1


def test_a_rater_without_the_token_is_told_to_scan_again_on_the_rating_layout(csrf_client, session):
    before = database_rows(session)
    response = csrf_client.post("/r/submit", data={"code": "K7QM-3XPD-9TRA-U"})
    assert response.status_code == 400
    assert RATER_EXPIRED in page_text(response) and "重新登录" not in page_text(response)
    assert 'name="code"' in response.text  # the code entry form, not the staff error page
    assert database_rows(session) == before


def test_over_https_a_rating_form_sent_with_its_same_site_referrer_passes_the_csrf_check(csrf_app):
    """Flask-WTF insists on a same-site Referer over HTTPS; the rating pages must let browsers send it."""
    phone = csrf_app.test_client()
    entry = phone.get("/r", base_url="https://evalsite.example")
    assert '<meta name="referrer" content="same-origin">' in entry.text

    sent = phone.post(
        "/r",
        data={"code": "K7QM-3XPD-9TRA-U", "csrf_token": token_on(entry)},
        base_url="https://evalsite.example",
        headers={"Referer": "https://evalsite.example/r"},
    )

    assert RATER_EXPIRED not in page_text(sent)
    assert sent.status_code in (400, 403) and "评议码" in page_text(sent)  # the code's own refusal
