"""Signing in and out: one message for every failure, local redirects only, POST-only logout."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from surveys.models import AuditEntry, Role, User
from tests.conftest import PASSWORD
from tests.web.support import fresh, location, page_text

FAILED = "用户名或密码错误，或尝试次数过多已暂时锁定，请稍后再试。"


def flash_messages(response) -> list[str]:
    return [" ".join(m.split()) for m in re.findall(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', response.text, re.S)]


def without_tokens(page: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', page)


def test_the_login_page_shows_the_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="username"' in response.text and 'name="password"' in response.text


def test_a_wrong_password_and_an_unknown_user_get_the_same_401_and_the_same_message(client, make_user):
    make_user(Role.ORGANISER, "zhangsan")
    wrong_password = client.post("/login", data={"username": "zhangsan", "password": "not-the-password-1"})
    unknown_user = client.post("/login", data={"username": "nobody-here", "password": "not-the-password-1"})
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert flash_messages(wrong_password) == flash_messages(unknown_user) == [FAILED]
    # Apart from the name typed back into the form (and the CSRF tokens, which carry a
    # timestamp), the two pages are the same.
    one = without_tokens(wrong_password.text).replace("zhangsan", "?")
    other = without_tokens(unknown_user.text).replace("nobody-here", "?")
    assert one == other


def test_a_failed_login_leaves_the_client_signed_out(client, make_user):
    make_user(Role.ORGANISER, "zhangsan")
    client.post("/login", data={"username": "zhangsan", "password": "not-the-password-1"})
    response = client.get("/admin/")
    assert response.status_code == 302
    assert location(response)[0] == "/login"


def test_an_inactive_user_cannot_sign_in_and_gets_the_same_message(client, make_user, session):
    user = make_user(Role.ORGANISER, "retired")
    user.is_active = False
    session.commit()
    response = client.post("/login", data={"username": "retired", "password": PASSWORD})
    assert response.status_code == 401
    assert flash_messages(response) == [FAILED]
    assert client.get("/admin/").status_code == 302


def test_a_user_deactivated_while_signed_in_loses_access_at_the_next_request(client, sign_in, session):
    user = sign_in(client, Role.ORGANISER)
    assert client.get("/admin/").status_code == 200
    fresh(session).get(User, user.id).is_active = False
    session.commit()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert location(response)[0] == "/login"


def test_every_attempt_is_audited_without_the_password(client, make_user, session):
    make_user(Role.ORGANISER, "zhangsan")
    client.post("/login", data={"username": "zhangsan", "password": "typo-password-9"})
    client.post("/login", data={"username": "zhangsan", "password": PASSWORD})
    entries = (
        fresh(session)
        .scalars(select(AuditEntry).where(AuditEntry.action.startswith("auth.")).order_by(AuditEntry.id))
        .all()
    )
    assert [e.action for e in entries] == ["auth.login_failed", "auth.login"]
    assert all("typo-password-9" not in repr((e.summary, e.detail)) for e in entries)


@pytest.mark.parametrize("target", ["/admin/units", "/admin/campaigns/new?from=home"])
def test_next_follows_a_local_path(client, make_user, target):
    make_user(Role.ORGANISER, "zhangsan")
    response = client.post("/login", query_string={"next": target}, data={"username": "zhangsan", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "http://evil.com",
        "https://evil.com/admin/",
        "/\\evil.com",
        "\\\\evil.com",
        "///evil.com",
        "/\t/evil.com",  # browsers drop the tab and read //evil.com
        "https:evil.com",
        "javascript:alert(1)",
        "evil.com",
    ],
)
def test_next_never_leads_off_the_site(client, make_user, target):
    make_user(Role.ORGANISER, "zhangsan")
    response = client.post("/login", query_string={"next": target}, data={"username": "zhangsan", "password": PASSWORD})
    assert response.status_code == 302
    assert location(response)[0] == "/"


def test_a_next_with_a_line_break_is_sent_home_not_turned_into_a_server_error(client, make_user):
    """A CR/LF in ``next`` must not reach the Location header (werkzeug refuses it with a 500)."""
    make_user(Role.ORGANISER, "zhangsan")
    response = client.post(
        "/login",
        query_string={"next": "/admin/\r\nSet-Cookie: evil=1"},
        data={"username": "zhangsan", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert location(response)[0] == "/"
    assert "evil" not in str(response.headers)


@pytest.mark.parametrize("target", ["//evil.com", "http://evil.com", "/\\evil.com"])
def test_the_language_switch_only_returns_to_local_paths(client, target):
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.status_code == 302
    assert location(response)[0] == "/"


def test_logout_is_post_only(client, sign_in):
    sign_in(client, Role.ORGANISER)
    assert client.get("/logout").status_code == 405
    assert client.get("/admin/").status_code == 200  # a GET (an <img src>, a link) signs nobody out
    response = client.post("/logout")
    assert response.status_code == 302
    assert location(response)[0] == "/login"
    after = client.get("/admin/")
    assert after.status_code == 302
    assert location(after)[0] == "/login"


def test_a_protected_page_sends_an_anonymous_visitor_to_login_and_back(client, make_user):
    make_user(Role.ORGANISER, "zhangsan")
    response = client.get("/admin/units")
    path, query = location(response)
    assert (response.status_code, path, query["next"]) == (302, "/login", ["/admin/units"])
    signed_in = client.post(
        "/login", query_string={"next": "/admin/units"}, data={"username": "zhangsan", "password": PASSWORD}
    )
    assert signed_in.headers["Location"] == "/admin/units"
    assert client.get("/admin/units").status_code == 200
    assert "请先登录" not in page_text(client.get("/admin/units"))
