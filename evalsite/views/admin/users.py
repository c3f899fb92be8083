"""Units, user accounts and the audit log."""

from __future__ import annotations

import secrets

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from evalsite import audit_view
from evalsite.auth import ORGANISERS, role_required
from evalsite.database import get_session
from evalsite.forms.admin import PasswordResetForm, UnitForm, UserForm
from evalsite.forms.base import choices, edit_form
from evalsite.views.admin import actor, bp, page_number, render_form
from surveys.models import Role, Unit
from surveys.services import audit, organisation, users
from surveys.services.lookup import get

AUDIT_PAGE = 100


@bp.route("/units", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def units():
    """The organisation tree, and a form to add a unit."""
    db = get_session()
    form = _unit_form(None)
    if form.validate_on_submit():
        organisation.save_unit(db, form.name.data, form.parent_id.data or None, **actor())
        db.commit()
        flash(_("单位已添加"))
        return redirect(url_for("admin.units"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/units.html", units=organisation.list_units(db), form=form), status


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def edit_unit(unit_id: int):
    """Rename a unit or move it under another."""
    db = get_session()
    unit = get(db, Unit, unit_id)
    form = _unit_form(unit)
    if form.validate_on_submit():
        organisation.save_unit(db, form.name.data, form.parent_id.data or None, unit_id=unit.id, **actor())
        db.commit()
        flash(_("已保存"))
        return redirect(url_for("admin.units"))
    return render_form(form, _("编辑单位"))


def _unit_form(unit: Unit | None) -> UnitForm:
    form = edit_form(UnitForm, unit, parent_id=unit.parent_id or 0) if unit else edit_form(UnitForm)
    others = [u for u in organisation.list_units(get_session()) if u is not unit]
    form.parent_id.choices = choices([(0, _("（无）"))] + [(u.id, u.name) for u in others])
    return form


@bp.route("/users", methods=["GET", "POST"], endpoint="users")
@role_required(Role.ADMIN)
def list_users():
    """Accounts, and a form to create one."""
    db = get_session()
    form = UserForm()
    form.unit_id.choices = choices([(0, _("（无）"))] + [(u.id, u.name) for u in organisation.list_units(db)])
    if form.validate_on_submit():
        users.create_user(
            db,
            form.username.data,
            form.password.data,
            Role(form.role.data),
            unit_id=form.unit_id.data or None,
            display_name=form.display_name.data or "",
            **actor(),
        )
        db.commit()
        flash(_("用户已创建"))
        return redirect(url_for("admin.users"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/users.html", users=users.list_users(db), form=form), status


@bp.get("/users/<int:user_id>")
@role_required(Role.ADMIN)
def user_detail(user_id: int):
    """One account: its state, a password reset and the switch to disable or enable it."""
    user = users.get_user(get_session(), user_id)
    return render_template("admin/user.html", user=user, form=PasswordResetForm(), temporary=None)


@bp.post("/users/<int:user_id>/password")
@role_required(Role.ADMIN)
def reset_password(user_id: int):
    """Set a temporary password (typed, or generated and shown this once); the user must
    change it at the next login, and their open sessions end."""
    db = get_session()
    form = PasswordResetForm()
    if not form.validate_on_submit():
        return render_template("admin/user.html", user=users.get_user(db, user_id), form=form, temporary=None), 400
    temporary = form.password.data or _generated_password()
    user = users.reset_password(db, user_id, temporary, **actor())
    db.commit()
    flash(_("密码已重置，用户下次登录时须修改密码"))
    shown = None if form.password.data else temporary  # the admin typed it: no need to show it back
    return render_template("admin/user.html", user=user, form=PasswordResetForm(formdata=None), temporary=shown)


def _generated_password() -> str:
    """Twelve characters from an alphabet without look-alikes (no 0/O, 1/l/I), grouped in threes."""
    alphabet = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"
    chunks = ["".join(secrets.choice(alphabet) for _ in range(3)) for _ in range(4)]
    return "-".join(chunks) + secrets.choice("23456789")


@bp.post("/users/<int:user_id>/disable")
@role_required(Role.ADMIN)
def disable_user(user_id: int):
    """Disable an account; its user is signed out at their next request."""
    return _set_active(user_id, False, _("账号已停用"))


@bp.post("/users/<int:user_id>/enable")
@role_required(Role.ADMIN)
def enable_user(user_id: int):
    """Enable a disabled account again."""
    return _set_active(user_id, True, _("账号已启用"))


def _set_active(user_id: int, is_active: bool, done: str):
    db = get_session()
    users.set_active(db, user_id, is_active, **actor())
    db.commit()
    flash(done)
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.get("/audit", endpoint="audit")
@role_required(Role.ADMIN)
def audit_log():
    """The audit log, newest first, 100 a page."""
    page = page_number()
    db = get_session()
    entries = audit.list_entries(db, limit=AUDIT_PAGE + 1, offset=(page - 1) * AUDIT_PAGE)
    shown = entries[:AUDIT_PAGE]
    return render_template(
        "admin/audit.html",
        entries=shown,
        names=audit_view.user_names(db, shown),
        action_label=audit_view.action_label,
        changes=audit_view.changes,
        page=page,
        has_next=len(entries) > AUDIT_PAGE,
    )
