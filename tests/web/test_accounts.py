"""Accounts: throttled sign-in that never tells names apart, strong passwords, admin resets and
disabling, one's own password change, sessions that start fresh and expire."""

from __future__ import annotations

import logging
import re
import subprocess  # nosec B404 - the test starts its own redis-server
import time

import pytest
import redis
from sqlalchemy import select

from surveys import passwords
from surveys.models import AuditEntry, Role, User
from surveys.services import users
from tests.conftest import PASSWORD
from tests.live import free_port
from tests.web.support import fresh, location, page_text

FAILED = "用户名或密码错误，或尝试次数过多已暂时锁定，请稍后再试。"
NEW_PASSWORD = "Lanzhou-river-77"


@pytest.fixture
def throttled_app(make_app):
    """The test app with lower limits, so the locks are reached quickly."""
    return make_app(LOGIN_FAILURES_PER_USERNAME="3 per 15 minutes", LOGIN_FAILURES_PER_ADDRESS="6 per 15 minutes")


def attempt(client, username, password, address="10.0.0.1"):
    return client.post(
        "/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def message(response) -> list[str]:
    return [" ".join(m.split()) for m in re.findall(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', response.text, re.S)]


def test_a_username_is_locked_after_repeated_failures_even_for_the_right_password(throttled_app, make_user):
    client = throttled_app.test_client()
    make_user(Role.ORGANISER, "zhangsan")
    for _ in range(3):
        assert attempt(client, "zhangsan", "wrong-password-1").status_code == 401
    locked = attempt(client, "zhangsan", PASSWORD, address="10.9.9.9")  # another address: the name is locked
    assert locked.status_code == 401 and message(locked) == [FAILED]
    assert client.get("/admin/").status_code == 302


def test_unknown_wrong_locked_and_disabled_all_read_the_same(throttled_app, make_user, session):
    client = throttled_app.test_client()
    make_user(Role.ORGANISER, "zhangsan")
    retired = make_user(Role.ORGANISER, "retired")
    retired.is_active = False
    session.commit()
    for _ in range(3):
        attempt(client, "ghost", "wrong-password-1", address="10.0.0.2")
    answers = {
        "unknown": attempt(client, "nobody", "wrong-password-1", address="10.0.0.3"),
        "wrong password": attempt(client, "zhangsan", "wrong-password-1", address="10.0.0.4"),
        "disabled": attempt(client, "retired", PASSWORD, address="10.0.0.5"),
        "locked unknown name": attempt(client, "ghost", "wrong-password-1", address="10.0.0.6"),
    }
    assert {kind: (r.status_code, message(r)) for kind, r in answers.items()} == {
        kind: (401, [FAILED]) for kind in answers
    }
    failed = select(AuditEntry).where(AuditEntry.action == "auth.login_failed").order_by(AuditEntry.id)
    reasons = [e.detail["reason"] for e in fresh(session).scalars(failed)][-4:]
    assert reasons == ["unknown_user", "wrong_password", "disabled", "unknown_user"]


def test_one_address_trying_many_names_is_locked(throttled_app, make_user):
    client = throttled_app.test_client()
    make_user(Role.ORGANISER, "zhangsan")
    for i in range(6):
        attempt(client, f"guess{i}", "wrong-password-1", address="10.0.0.7")
    assert attempt(client, "zhangsan", PASSWORD, address="10.0.0.7").status_code == 401
    assert attempt(client, "zhangsan", PASSWORD, address="10.0.0.8").status_code == 302


def test_a_good_login_clears_the_names_failures(throttled_app, make_user):
    client = throttled_app.test_client()
    make_user(Role.ORGANISER, "zhangsan")
    for _ in range(2):
        attempt(client, "zhangsan", "wrong-password-1", address="10.0.1.1")
    assert attempt(client, "zhangsan", PASSWORD, address="10.0.1.2").status_code == 302
    client.post("/logout")
    for _ in range(2):
        attempt(client, "zhangsan", "wrong-password-1", address="10.0.1.3")
    assert attempt(client, "zhangsan", PASSWORD, address="10.0.1.4").status_code == 302


def test_every_refusal_checks_a_password_hash_so_none_answers_faster(session, make_user, monkeypatch):
    checked = []
    real = users.is_password
    monkeypatch.setattr(users, "is_password", lambda h, p: checked.append(h) or real(h, p))
    retired = make_user(Role.LEADER, "retired")
    retired.is_active = False
    for name, throttled in (("nobody", False), ("retired", False), ("retired", True)):
        assert users.authenticate(session, name, PASSWORD, now=retired.created_at, is_throttled=throttled) is None
    assert len(checked) == 3
    assert checked[0] == passwords.dummy_hash()


@pytest.mark.parametrize(
    "password",
    ["short-1", "1234567890123", "onlylettersherep", "password123", "woaini1314", "aaaaaaaaaaaa1", "zhangsan-2026"],
)
def test_weak_passwords_are_refused_by_the_admin_form(client, sign_in, session, password):
    sign_in(client, Role.ADMIN)
    response = client.post("/admin/users", data={"username": "zhangsan", "password": password, "role": "leader"})
    assert response.status_code == 400
    assert fresh(session).scalar(select(User).where(User.username == "zhangsan")) is None


def test_the_cli_refuses_a_weak_password(runner, session):
    result = runner.invoke(args=["create-user", "wang", "--role", "leader", "--password", "12345678901"])
    assert result.exit_code != 0
    assert "密码需同时包含字母和数字或符号" in result.output
    assert fresh(session).scalar(select(User).where(User.username == "wang")) is None


def test_an_admin_reset_shows_a_temporary_password_once_and_forces_a_change(app, make_user, sign_in, session):
    admin_client, user_client = app.test_client(), app.test_client()
    sign_in(admin_client, Role.ADMIN)
    user = make_user(Role.LEADER, "leader-li")
    assert attempt(user_client, "leader-li", PASSWORD).status_code == 302
    response = admin_client.post(f"/admin/users/{user.id}/password", data={"password": ""})
    assert response.status_code == 200
    temporary = re.search(r'<code class="secret">([^<]+)</code>', response.text)[1]
    assert "临时密码" in page_text(response)
    assert temporary not in admin_client.get(f"/admin/users/{user.id}").text  # shown once
    # The session opened with the old password is over.
    assert location(user_client.get("/"))[0] == "/login"
    signed_in = attempt(user_client, "leader-li", temporary)
    assert location(signed_in)[0] == "/account/password"
    assert location(user_client.get("/"))[0] == "/account/password"
    changed = user_client.post(
        "/account/password", data={"current": temporary, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert location(changed)[0] == "/"
    assert user_client.get("/").status_code == 200
    assert fresh(session).get(User, user.id).must_change_password is False
    actions = [e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.object_id == user.id))]
    assert "user.password_reset" in actions and "user.password_change" in actions


def test_an_admin_can_type_the_temporary_password_and_weak_ones_are_refused(client, sign_in, make_user):
    sign_in(client, Role.ADMIN)
    user = make_user(Role.LEADER, "leader-li")
    assert client.post(f"/admin/users/{user.id}/password", data={"password": "abc"}).status_code == 400
    typed = client.post(f"/admin/users/{user.id}/password", data={"password": NEW_PASSWORD})
    assert typed.status_code == 200 and NEW_PASSWORD not in typed.text


def test_a_user_changes_their_own_password_knowing_the_current_one(client, sign_in, session):
    user = sign_in(client, Role.LEADER)
    wrong = client.post(
        "/account/password", data={"current": "not-it-123", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert wrong.status_code == 400 and "当前密码不正确" in page_text(wrong)
    mismatch = client.post(
        "/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": "other-pass-1"}
    )
    assert mismatch.status_code == 400
    ok = client.post("/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200  # still signed in, on a fresh session
    client.post("/logout")
    assert attempt(client, user.username, PASSWORD).status_code == 401
    assert attempt(client, user.username, NEW_PASSWORD).status_code == 302


def test_a_disabled_user_is_signed_out_and_an_admin_cannot_disable_themselves(app, sign_in, session):
    admin_client, user_client = app.test_client(), app.test_client()
    admin = sign_in(admin_client, Role.ADMIN)
    user = sign_in(user_client, Role.ORGANISER)
    assert admin_client.post(f"/admin/users/{user.id}/disable").status_code == 302
    assert location(user_client.get("/admin/"))[0] == "/login"
    assert attempt(user_client, user.username, PASSWORD).status_code == 401
    assert admin_client.post(f"/admin/users/{user.id}/enable").status_code == 302
    assert attempt(user_client, user.username, PASSWORD).status_code == 302
    refused = admin_client.post(f"/admin/users/{admin.id}/disable")
    assert refused.status_code == 400 and "不能停用自己的账号" in page_text(refused)
    assert fresh(session).get(User, admin.id).is_active
    about_user = (
        select(AuditEntry.action)
        .where(AuditEntry.object_id == user.id, AuditEntry.action.startswith("user."))
        .order_by(AuditEntry.id)
    )
    assert session.scalars(about_user).all()[-2:] == ["user.disable", "user.enable"]


def test_login_starts_a_fresh_session(client, make_user):
    make_user(Role.ORGANISER, "zhangsan")
    with client.session_transaction() as cookie:
        cookie["planted"] = "by someone else"
        cookie["lang"] = "en"
    attempt(client, "zhangsan", PASSWORD)
    with client.session_transaction() as cookie:
        assert "planted" not in cookie
        assert cookie["lang"] == "en"
        assert cookie.permanent


@pytest.mark.parametrize("stamp, age", [("_seen", 31 * 60), ("_started", 9 * 3600)])
def test_an_idle_or_old_session_ends(client, sign_in, stamp, age):
    sign_in(client, Role.ORGANISER)
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as cookie:
        cookie[stamp] = int(time.time()) - age
    response = client.get("/admin/")
    assert location(response)[0] == "/login"
    assert location(client.get("/admin/"))[0] == "/login"  # signed out, not just redirected once


def copy_of_cookie(app, client):
    """Another browser holding a copy of ``client``'s session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_logout_ends_the_session_for_a_copied_cookie_too(app, sign_in, session):
    user_client = app.test_client()
    user = sign_in(user_client, Role.LEADER)
    other_device = app.test_client()
    assert attempt(other_device, user.username, PASSWORD).status_code == 302
    thief = copy_of_cookie(app, user_client)
    assert thief.get("/").status_code == 200
    assert location(user_client.post("/logout"))[0] == "/login"
    assert location(thief.get("/"))[0] == "/login"
    assert location(other_device.get("/"))[0] == "/login"  # logout ends the user's sessions everywhere
    assert "auth.logout" in fresh(session).scalars(select(AuditEntry.action)).all()
    assert attempt(user_client, user.username, PASSWORD).status_code == 302  # a new login works


def test_a_password_change_ends_a_copied_cookie_and_keeps_the_changer_signed_in(app, sign_in):
    user_client = app.test_client()
    sign_in(user_client, Role.LEADER)
    thief = copy_of_cookie(app, user_client)
    changed = user_client.post(
        "/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert changed.status_code == 302
    assert user_client.get("/").status_code == 200
    assert location(thief.get("/"))[0] == "/login"


def test_enabling_a_disabled_user_again_does_not_bring_back_an_old_cookie(app, sign_in):
    admin_client, user_client = app.test_client(), app.test_client()
    sign_in(admin_client, Role.ADMIN)
    user = sign_in(user_client, Role.ORGANISER)
    thief = copy_of_cookie(app, user_client)
    admin_client.post(f"/admin/users/{user.id}/disable")
    admin_client.post(f"/admin/users/{user.id}/enable")
    assert location(thief.get("/admin/"))[0] == "/login"
    assert location(user_client.get("/admin/"))[0] == "/login"


class RedisServer:
    """A redis-server of one test alone, on a free port, that the test stops and starts again
    (no persistence: a restarted server starts empty, as after a crash)."""

    def __init__(self, folder):
        self.port, self.folder, self.process = free_port(), folder, None
        self.uri = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, cwd=self.folder, stdout=subprocess.DEVNULL)  # noqa: S603 - fixed argv
        probe = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                probe.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        probe.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def test_the_login_throttle_goes_back_to_redis_when_it_answers_again_and_says_so_once_each_way(
    make_app, make_user, own_redis, caplog
):
    settings = {"RATELIMIT_STORAGE_URI": own_redis.uri, "LOGIN_FAILURES_PER_USERNAME": "3 per 15 minutes"}
    first = make_app(**settings, LOGIN_THROTTLE_RETRY_SECONDS=0).test_client()
    make_user(Role.ORGANISER, "zhangsan")
    caplog.set_level(logging.WARNING, logger="evalsite.throttle")

    own_redis.stop()
    assert [attempt(first, "zhangsan", "wrong-password-1").status_code for _ in range(2)] == [401, 401]
    assert attempt(first, "zhangsan", PASSWORD).status_code == 302  # counted in memory meanwhile: 2 of 3
    own_redis.start()  # empty, as after a crash
    assert [attempt(first, "zhangsan", "wrong-password-1").status_code for _ in range(3)] == [401] * 3

    # The three failures since Redis came back are in Redis: another app process sees the lock.
    second = make_app(**settings).test_client()
    assert attempt(second, "zhangsan", PASSWORD).status_code == 401
    said = [record.getMessage() for record in caplog.records if record.name == "evalsite.throttle"]
    assert said == [
        "login throttle storage unreachable; counting in memory until it answers again",
        "login throttle storage answers again; counting there again",
    ]
