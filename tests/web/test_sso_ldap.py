"""Staff sign in on the login form with their LDAP / Active Directory password, against a
real OpenLDAP server (one slapd for this module, started on a free port)."""

from __future__ import annotations

import json
import re
import secrets

import pytest
from sqlalchemy import select

from surveys.errors import DomainError
from surveys.models import AuditEntry, AuthSource, Role, User
from surveys.services import organisation, users
from tests.conftest import NOW, PASSWORD
from tests.directories import GROUPS, PEOPLE, SERVICE_DN, SERVICE_PASSWORD, Slapd, group, person
from tests.web.support import fresh, location, page_text

pytestmark = pytest.mark.slapd

FAILED = "用户名或密码错误，或尝试次数过多已暂时锁定，请稍后再试。"
DIRECTORY_PASSWORD = "directory-pass-1"
RULES = [
    {"group": f"cn=jfb,{GROUPS}", "role": "organiser"},
    {"group": "CN=Leaders, OU=Groups, DC=example, DC=gov, DC=cn", "role": "leader"},
    {"group": f"cn=tongji,{GROUPS}", "role": "unit_officer", "unit": "市统计局"},
]


@pytest.fixture(scope="module")
def slapd(tmp_path_factory):
    server = Slapd(tmp_path_factory.mktemp("slapd")).start()
    server.add("\n".join([group("jfb"), group("leaders"), group("tongji"), group("kitchen")]))
    yield server
    server.stop()


@pytest.fixture
def ldap_app(make_app, slapd):
    return make_app(**ldap_settings(slapd))


def ldap_settings(slapd, **changes) -> dict:
    return {
        "LDAP_URL": slapd.url,
        "LDAP_BIND_DN": SERVICE_DN,
        "LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
        "LDAP_USER_BASE": PEOPLE,
        "LDAP_GROUP_BASE": GROUPS,
        "SSO_GROUPS": json.dumps(RULES),
        **changes,
    }


@pytest.fixture
def staff(slapd):
    """Add a person to the directory, in ``groups``; a fresh uid each test (one server for all)."""

    def add(name: str, *groups: str, password: str = DIRECTORY_PASSWORD) -> str:
        uid = f"u{secrets.token_hex(4)}"
        slapd.add(person(uid, name, password))
        for cn in groups:
            join(slapd, uid, cn)
        return uid

    return add


def join(slapd, uid: str, cn: str) -> None:
    slapd.modify(f"dn: cn={cn},{GROUPS}\nchangetype: modify\nadd: member\nmember: uid={uid},{PEOPLE}\n")


def leave(slapd, uid: str, cn: str) -> None:
    slapd.modify(f"dn: cn={cn},{GROUPS}\nchangetype: modify\ndelete: member\nmember: uid={uid},{PEOPLE}\n")


def sign_in(client, uid: str, password: str = DIRECTORY_PASSWORD):
    return client.post("/login", data={"username": uid, "password": password})


def flash_messages(response) -> list[str]:
    return [" ".join(m.split()) for m in re.findall(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', response.text, re.S)]


def account(session, uid: str) -> User:
    return fresh(session).scalar(select(User).where(User.username == uid))


def test_a_directory_user_signing_in_for_the_first_time_gets_an_account_with_the_mapped_role(ldap_app, staff, session):
    uid = staff("张三", "jfb")
    client = ldap_app.test_client()
    response = sign_in(client, uid)
    assert response.status_code == 302, page_text(response)
    assert client.get("/admin/").status_code == 200
    user = account(session, uid)
    assert (user.role, user.unit_id, user.auth_source, user.external_id) == (Role.ORGANISER, None, AuthSource.LDAP, uid)
    assert user.display_name == "张三"
    # No password of ours opens it: not the directory's, not anything else.
    assert users.authenticate(session, uid, "directory-pass-1", now=NOW) is None


def test_a_unit_officer_group_gives_the_unit_named_in_the_rule(ldap_app, staff, session):
    unit = organisation.save_unit(session, "市统计局", None, now=NOW, actor_id=None)
    session.commit()
    uid = staff("李四", "tongji")
    assert sign_in(ldap_app.test_client(), uid).status_code == 302
    user = account(session, uid)
    assert (user.role, user.unit_id) == (Role.UNIT_OFFICER, unit.id)


def test_the_first_matching_rule_decides_and_group_names_compare_like_ldap_dns(ldap_app, staff, session):
    uid = staff("王五", "leaders", "tongji")  # the leader rule's DN is written in another case and spacing
    assert sign_in(ldap_app.test_client(), uid).status_code == 302
    assert account(session, uid).role is Role.LEADER


def test_each_sign_in_reads_the_groups_again_and_updates_the_role(ldap_app, staff, slapd, session):
    uid = staff("赵六", "jfb")
    assert sign_in(ldap_app.test_client(), uid).status_code == 302
    leave(slapd, uid, "jfb")
    join(slapd, uid, "leaders")
    client = ldap_app.test_client()
    assert sign_in(client, uid).status_code == 302
    user = account(session, uid)
    assert user.role is Role.LEADER
    assert client.get("/admin/").status_code == 403  # a leader reads results, builds nothing
    assert client.get("/results/").status_code == 200
    changes = fresh(session).scalars(select(AuditEntry).where(AuditEntry.action == "user.update")).all()
    assert [e.detail["after"] for e in changes] == [{"role": "leader"}]


def test_someone_removed_from_the_group_is_refused_and_their_open_sessions_end(ldap_app, staff, slapd, session):
    uid = staff("钱七", "jfb")
    office, home = ldap_app.test_client(), ldap_app.test_client()
    assert sign_in(office, uid).status_code == 302
    assert office.get("/admin/").status_code == 200
    leave(slapd, uid, "jfb")
    refused = sign_in(home, uid)
    assert refused.status_code == 401
    assert flash_messages(refused) == [FAILED]
    after = office.get("/admin/")
    assert (after.status_code, location(after)[0]) == (302, "/login")
    entry = fresh(session).scalars(select(AuditEntry).where(AuditEntry.action == "auth.login_failed")).one()
    assert (entry.summary, entry.detail["reason"]) == (uid, "no_mapped_group")


def test_a_person_in_no_mapped_group_never_gets_an_account(ldap_app, staff, session):
    uid = staff("孙八", "kitchen")
    response = sign_in(ldap_app.test_client(), uid)
    assert response.status_code == 401
    assert flash_messages(response) == [FAILED]
    assert account(session, uid) is None


def test_a_wrong_directory_password_is_refused_like_a_wrong_local_one(ldap_app, staff, make_user):
    uid = staff("周九", "jfb")
    make_user(Role.ORGANISER, "local-zhou")
    client = ldap_app.test_client()
    directory = sign_in(client, uid, "not-the-password")
    local = client.post("/login", data={"username": "local-zhou", "password": "not-the-password"})
    assert directory.status_code == local.status_code == 401
    assert flash_messages(directory) == flash_messages(local) == [FAILED]


def test_wrong_directory_passwords_lock_the_name_as_local_ones_do(make_app, slapd, staff, session):
    app = make_app(**ldap_settings(slapd), LOGIN_FAILURES_PER_USERNAME="3 per 15 minutes")
    uid = staff("吴十", "jfb")
    client = app.test_client()
    for _ in range(3):
        assert sign_in(client, uid, "guess-123").status_code == 401
    locked = sign_in(client, uid)  # the right password, too late
    assert locked.status_code == 401
    assert flash_messages(locked) == [FAILED]
    reasons = [
        e.detail["reason"]
        for e in fresh(session).scalars(select(AuditEntry).where(AuditEntry.action == "auth.login_failed"))
    ]
    assert reasons == ["wrong_password"] * 3 + ["throttled"]
    assert account(session, uid) is None


def test_an_unknown_name_is_refused_with_the_same_message(ldap_app):
    response = sign_in(ldap_app.test_client(), "nobody-in-the-directory")
    assert response.status_code == 401
    assert flash_messages(response) == [FAILED]


def test_the_local_admin_signs_in_with_the_local_password_even_when_the_directory_has_that_name(
    ldap_app, slapd, make_user
):
    make_user(Role.ADMIN, "admin")
    slapd.add(person("admin", "目录里的admin", "directory-admin-pw"))
    client = ldap_app.test_client()
    assert client.post("/login", data={"username": "admin", "password": "directory-admin-pw"}).status_code == 401
    assert client.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_a_directory_account_has_no_password_here_to_change_or_reset(ldap_app, staff, session, make_user):
    uid = staff("郑一", "jfb")
    client = ldap_app.test_client()
    sign_in(client, uid)
    user = account(session, uid)
    with pytest.raises(DomainError):
        users.reset_password(session, user.id, "new-temporary-9", now=NOW, actor_id=None)
    with pytest.raises(DomainError):
        users.change_own_password(session, user.id, "directory-pass-1", "new-password-9", now=NOW)
    session.rollback()
    assert "/account/password" not in client.get("/admin/").text


def test_when_the_directory_is_down_the_form_says_so_and_counts_no_failure(make_app, slapd, staff, session):
    app = make_app(
        **ldap_settings(slapd, LDAP_URL="ldap://127.0.0.1:1"), LOGIN_FAILURES_PER_USERNAME="1 per 15 minutes"
    )
    client = app.test_client()
    for _ in range(2):
        response = sign_in(client, "zhangsan")
        assert response.status_code == 503
        assert flash_messages(response) == ["单位目录暂时无法连接，请稍后再试。"]
    assert app.extensions["evalsite.login_throttle"].is_locked("zhangsan", "127.0.0.1") is False


def test_the_login_page_says_directory_passwords_work_here(ldap_app):
    text = page_text(ldap_app.test_client().get("/login"))
    assert "请使用单位目录（LDAP / AD）的用户名和密码登录；系统管理员使用本系统账号。" in text
    english = ldap_app.test_client()
    english.post("/language", data={"lang": "en", "next": "/login"})
    assert "directory" in page_text(english.get("/login")).lower()


def test_sso_sync_ends_the_sessions_of_those_removed_and_follows_the_groups_of_the_rest(
    ldap_app, staff, slapd, session
):
    stays, moves, removed, deleted = (staff(name, "jfb") for name in ("留任", "调岗", "移出", "离职"))
    browsers = {uid: ldap_app.test_client() for uid in (stays, moves, removed, deleted)}
    for uid, browser in browsers.items():
        assert sign_in(browser, uid).status_code == 302
    leave(slapd, moves, "jfb")
    join(slapd, moves, "leaders")
    leave(slapd, removed, "jfb")
    leave(slapd, deleted, "jfb")
    slapd.modify(f"dn: uid={deleted},{PEOPLE}\nchangetype: delete\n")

    result = ldap_app.test_cli_runner().invoke(args=["sso-sync"])
    assert result.exit_code == 0, result.output
    assert "2 个账号保留访问权限，2 个账号已失去访问权限并退出登录" in result.output
    assert browsers[stays].get("/admin/").status_code == 200
    assert browsers[moves].get("/results/").status_code == 200
    assert account(session, moves).role is Role.LEADER
    for uid in (removed, deleted):
        after = browsers[uid].get("/admin/")
        assert (after.status_code, location(after)[0]) == (302, "/login")
    ended = fresh(session).scalars(select(AuditEntry).where(AuditEntry.action == "auth.access_ended"))
    assert sorted((e.summary, e.detail["reason"]) for e in ended) == sorted(
        [(removed, "no_mapped_group"), (deleted, "gone_from_directory")]
    )


def test_sso_sync_changes_nothing_when_the_directory_cannot_be_reached(make_app, slapd, staff, session):
    uid = staff("冯二", "jfb")
    browser = make_app(**ldap_settings(slapd)).test_client()
    assert sign_in(browser, uid).status_code == 302
    down = make_app(**ldap_settings(slapd, LDAP_URL="ldap://127.0.0.1:1"))
    result = down.test_cli_runner().invoke(args=["sso-sync"])
    assert result.exit_code == 1
    assert "单位目录暂时无法连接，未做任何更改" in result.output
    assert browser.get("/admin/").status_code == 200
