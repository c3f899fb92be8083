"""Staff sign in through CAS and OIDC: the login page's button, the sign-in server's own form
(a real server on 127.0.0.1, one per module), and back with a ticket or a code."""

from __future__ import annotations

import json
import re

import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import select

from config import ConfigError
from evalsite import create_app
from surveys.models import AuditEntry, AuthSource, Role, User
from surveys.services import organisation
from tests.conftest import NOW
from tests.sso_providers import CasServer, OidcProvider, Person, return_path, sign_in_through
from tests.web.support import fresh, location, page_text

REFUSED = "统一身份认证未通过，或您的单位账号没有本系统的访问权限，请联系管理员。"
RULES = [
    {"group": "作风办", "role": "organiser"},
    {"group": "领导班子", "role": "leader"},
    {"group": "统计局联络员", "role": "unit_officer", "unit": "市统计局"},
]


@pytest.fixture(scope="module")
def cas_server():
    server = CasServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def oidc_provider():
    provider = OidcProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(params=["2", "3"], ids=["cas2", "cas3"])
def cas_app(request, make_app, cas_server):
    return make_app(CAS_URL=cas_server.base, CAS_VERSION=request.param, SSO_GROUPS=json.dumps(RULES))


@pytest.fixture
def oidc_app(make_app, oidc_provider):
    return make_app(
        OIDC_ISSUER=oidc_provider.url,
        OIDC_CLIENT_ID=OidcProvider.CLIENT_ID,
        OIDC_CLIENT_SECRET=OidcProvider.CLIENT_SECRET,
        SSO_GROUPS=json.dumps(RULES),
    )


def flash_messages(response) -> list[str]:
    return [" ".join(m.split()) for m in re.findall(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', response.text, re.S)]


def account(session, username: str) -> User | None:
    return fresh(session).scalar(select(User).where(User.username == username))


def recorded(user: User) -> tuple:
    """What the directory decided for an account: role, source, its id there, the name."""
    return (user.role, user.auth_source, user.external_id, user.display_name)


# CAS


def test_a_cas_user_signs_in_through_the_cas_server_and_gets_the_mapped_role(cas_app, cas_server, session):
    cas_server.people["chenjie"] = Person("cas-pass-1", "陈杰", ["作风办"])
    client = cas_app.test_client()
    response = sign_in_through(client, "/login/cas?next=/admin/units", "chenjie", "cas-pass-1")
    assert (response.status_code, location(response)[0]) == (302, "/admin/units")
    assert client.get("/admin/units").status_code == 200
    assert recorded(account(session, "chenjie")) == (Role.ORGANISER, AuthSource.CAS, "chenjie", "陈杰")


def test_a_cas_unit_officer_gets_the_unit_and_a_later_sign_in_follows_the_new_groups(cas_app, cas_server, session):
    unit = organisation.save_unit(session, "市统计局", None, now=NOW, actor_id=None)
    session.commit()
    cas_server.people["liuyang"] = Person("cas-pass-2", "刘洋", ["统计局联络员"])
    assert sign_in_through(cas_app.test_client(), "/login/cas", "liuyang", "cas-pass-2").status_code == 302
    assert (account(session, "liuyang").role, account(session, "liuyang").unit_id) == (Role.UNIT_OFFICER, unit.id)
    cas_server.people["liuyang"].groups = ["领导班子"]
    assert sign_in_through(cas_app.test_client(), "/login/cas", "liuyang", "cas-pass-2").status_code == 302
    assert (account(session, "liuyang").role, account(session, "liuyang").unit_id) == (Role.LEADER, None)


def test_a_cas_user_removed_from_the_group_is_refused_and_their_sessions_end(cas_app, cas_server, session):
    cas_server.people["huangli"] = Person("cas-pass-3", "黄丽", ["作风办"])
    office = cas_app.test_client()
    assert sign_in_through(office, "/login/cas", "huangli", "cas-pass-3").status_code == 302
    assert office.get("/admin/").status_code == 200
    cas_server.people["huangli"].groups = []
    refused = sign_in_through(cas_app.test_client(), "/login/cas", "huangli", "cas-pass-3")
    assert refused.status_code == 403
    assert flash_messages(refused) == [REFUSED]
    after = office.get("/admin/")
    assert (after.status_code, location(after)[0]) == (302, "/login")


def test_a_forged_or_replayed_cas_ticket_signs_nobody_in(cas_app, cas_server, session):
    cas_server.people["zhoumin"] = Person("cas-pass-4", "周敏", ["作风办"])
    client = cas_app.test_client()
    forged = client.get("/login/cas/return?ticket=ST-made-up")
    assert (forged.status_code, flash_messages(forged)) == (403, [REFUSED])
    back = return_path(client, "/login/cas", "zhoumin", "cas-pass-4")
    assert client.get(back).status_code == 302
    # The ticket is spent: the same return address in another browser (a copied URL) fails.
    replayed = cas_app.test_client().get(back)
    assert (replayed.status_code, flash_messages(replayed)) == (403, [REFUSED])
    logins = fresh(session).scalars(select(AuditEntry).where(AuditEntry.action == "auth.login")).all()
    assert [e.summary for e in logins] == ["zhoumin"]


def test_the_cas_server_being_down_is_said_in_words(make_app):
    app = make_app(CAS_URL="http://127.0.0.1:1/cas/", SSO_GROUPS=json.dumps(RULES))
    response = app.test_client().get("/login/cas/return?ticket=ST-abc")
    assert response.status_code == 503
    assert flash_messages(response) == ["统一身份认证服务暂时无法连接，请稍后再试。"]


# OIDC


def test_an_oidc_user_signs_in_through_the_provider_and_gets_the_mapped_role(oidc_app, oidc_provider, session):
    oidc_provider.people["sunhao"] = Person("oidc-pass-1", "孙浩", ["领导班子", "作风办"])
    client = oidc_app.test_client()
    response = sign_in_through(client, "/login/oidc", "sunhao", "oidc-pass-1")
    assert (response.status_code, location(response)[0]) == (302, "/")
    assert client.get("/results/").status_code == 200
    # The first rule in the list that matches decides, not the order of the groups.
    expected = (Role.ORGANISER, AuthSource.OIDC, f"{oidc_provider.url}|sub-sunhao", "孙浩")
    assert recorded(account(session, "sunhao")) == expected


def test_an_oidc_user_removed_from_the_group_is_refused_and_their_sessions_end(oidc_app, oidc_provider, session):
    oidc_provider.people["maqing"] = Person("oidc-pass-2", "马青", ["作风办"])
    office = oidc_app.test_client()
    assert sign_in_through(office, "/login/oidc", "maqing", "oidc-pass-2").status_code == 302
    assert office.get("/admin/").status_code == 200
    oidc_provider.people["maqing"].groups = ["食堂"]
    refused = sign_in_through(oidc_app.test_client(), "/login/oidc", "maqing", "oidc-pass-2")
    assert (refused.status_code, flash_messages(refused)) == (403, [REFUSED])
    after = office.get("/admin/")
    assert (after.status_code, location(after)[0]) == (302, "/login")
    entry = fresh(session).scalars(select(AuditEntry).where(AuditEntry.action == "auth.login_failed")).one()
    assert (entry.detail["reason"], entry.detail["source"]) == ("no_mapped_group", "oidc")


def test_an_id_token_signed_with_a_key_the_provider_does_not_publish_is_refused(oidc_app, oidc_provider, session):
    oidc_provider.people["fake"] = Person("oidc-pass-3", "冒名", ["作风办"])
    oidc_provider.signing_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})
    try:
        refused = sign_in_through(oidc_app.test_client(), "/login/oidc", "fake", "oidc-pass-3")
    finally:
        oidc_provider.signing_key = oidc_provider.key
    assert (refused.status_code, flash_messages(refused)) == (403, [REFUSED])
    assert account(session, "fake") is None


def test_an_oidc_return_without_the_state_this_browser_was_given_is_refused(oidc_app):
    response = oidc_app.test_client().get("/login/oidc/return?code=abc&state=not-mine")
    assert (response.status_code, flash_messages(response)) == (403, [REFUSED])


# Start-up and the login page


def test_the_app_does_not_start_with_a_bad_single_sign_on_setting(database_url):
    with pytest.raises(ConfigError, match="EVALSITE_SSO_GROUPS"):
        create_app(
            {
                "TESTING": True,
                "DATABASE_URL": database_url,
                "LDAP_URL": "ldaps://dc.example.gov.cn",
                "LDAP_USER_BASE": "ou=people,dc=x",
                "SSO_GROUPS": '[{"group": "g", "role": "superuser"}]',
            }
        )


def test_the_login_page_offers_each_enabled_method_in_chinese_and_in_english(make_app, cas_server, oidc_provider):
    app = make_app(
        CAS_URL=cas_server.base,
        OIDC_ISSUER=oidc_provider.url,
        OIDC_CLIENT_ID=OidcProvider.CLIENT_ID,
        OIDC_CLIENT_SECRET=OidcProvider.CLIENT_SECRET,
        SSO_GROUPS=json.dumps(RULES),
    )
    client = app.test_client()
    text = page_text(client.get("/login?next=/admin/units"))
    assert "通过统一身份认证（CAS）登录" in text and "通过统一身份认证（OIDC）登录" in text
    page = client.get("/login?next=/admin/units").text
    assert 'href="/login/cas?next=/admin/units"' in page.replace("%2F", "/")
    client.post("/language", data={"lang": "en", "next": "/login"})
    english = page_text(client.get("/login"))
    assert "Log in with single sign-on (CAS)" in english and "Log in with single sign-on (OIDC)" in english


def test_without_single_sign_on_the_login_page_offers_only_the_form(client):
    text = page_text(client.get("/login"))
    assert "统一身份认证" not in text and "单位目录" not in text
    assert client.get("/login/cas").status_code == 404
