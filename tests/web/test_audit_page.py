"""The audit log page: admins read who did what, with before → after; nobody else may."""

from __future__ import annotations

import pytest

from evalsite import audit_view
from surveys.models import AuditEntry, Role
from tests.web.support import page_text


def test_an_admin_sees_logins_and_a_weight_change_with_before_and_after(app, make_campaign, sign_in):
    campaign = make_campaign()
    item = campaign.questionnaires[0].items[0]  # Q1 服务态度, weight 1.0
    organiser, admin = app.test_client(), app.test_client()
    sign_in(organiser, Role.ORGANISER, "organiser-wang")
    edited = organiser.post(f"/admin/items/{item.id}/edit", data={"code": "Q1", "text": "服务态度", "weight": "2.5"})
    assert edited.status_code == 302
    sign_in(admin, Role.ADMIN, "admin-li")

    response = admin.get("/admin/audit")

    assert response.status_code == 200
    text = page_text(response)
    assert "登录 organiser-wang" in text
    assert "登录 admin-li" in text
    assert "修改测评项目 科长测评表: Q1 权重：1.0 → 2.5" in text
    assert "item.update" in response.text  # the recorded name, as the action's tooltip
    # Newest first: the admin's own login comes before the organiser's edit.
    assert text.index("登录 admin-li") < text.index("修改测评项目") < text.index("登录 organiser-wang")


def test_an_admin_sees_failed_logins_by_name_but_never_the_password_tried(client, app, make_user, sign_in):
    make_user(Role.ORGANISER, "organiser-wang")
    client.post("/login", data={"username": "organiser-wang", "password": "guessed-wrong-1"})
    admin = app.test_client()
    sign_in(admin, Role.ADMIN, "admin-li")
    response = admin.get("/admin/audit")
    assert "登录失败 organiser-wang" in page_text(response)
    assert "guessed-wrong-1" not in response.text


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.LEADER, Role.UNIT_OFFICER])
def test_no_one_but_an_admin_may_read_the_audit_log(client, sign_in, role):
    sign_in(client, role)
    response = client.get("/admin/audit")
    assert response.status_code == 403
    assert "您没有权限访问此页面。" in page_text(response)


def test_people_and_times_in_a_change_read_as_names_and_local_clock_times(app):
    entry = AuditEntry(
        action="problem.verify",
        detail={
            "before": {"closed_by": None, "closed_at": None, "state": "reported"},
            "after": {"closed_by": 7, "closed_at": "2026-11-22T08:12:48.253205", "state": "closed"},
        },
    )
    with app.test_request_context():
        assert audit_view.action_label(entry.action) == "核验整改"
        assert audit_view.action_label("something.new") == "something.new"
        assert audit_view.changes(entry, {7: "王科长"}) == [
            audit_view.Change("销号人", "—", "王科长"),
            audit_view.Change("销号时间", "—", "2026-11-22 16:12:48"),  # Asia/Shanghai
            audit_view.Change("状态", "reported", "closed"),
        ]
