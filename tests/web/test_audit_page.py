"""The audit log page: admins read who did what, with before → after; nobody else may."""

from __future__ import annotations

import pytest

from surveys.models import Role
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
    assert "auth.login organiser-wang" in text
    assert "auth.login admin-li" in text
    assert "item.update 科长测评表: Q1 weight : 1.0 → 2.5" in text
    # Newest first: the admin's own login comes before the organiser's edit.
    assert text.index("auth.login admin-li") < text.index("item.update") < text.index("auth.login organiser-wang")


def test_an_admin_sees_failed_logins_by_name_but_never_the_password_tried(client, app, make_user, sign_in):
    make_user(Role.ORGANISER, "organiser-wang")
    client.post("/login", data={"username": "organiser-wang", "password": "guessed-wrong-1"})
    admin = app.test_client()
    sign_in(admin, Role.ADMIN, "admin-li")
    response = admin.get("/admin/audit")
    assert "auth.login_failed organiser-wang" in page_text(response)
    assert "guessed-wrong-1" not in response.text


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.LEADER, Role.UNIT_OFFICER])
def test_no_one_but_an_admin_may_read_the_audit_log(client, sign_in, role):
    sign_in(client, role)
    response = client.get("/admin/audit")
    assert response.status_code == 403
    assert "您没有权限访问此页面。" in page_text(response)
