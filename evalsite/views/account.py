"""A signed-in user's own account: changing the password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from evalsite import login_session
from evalsite.auth import LoginUser
from evalsite.database import get_session, utcnow
from evalsite.forms.account import PasswordChangeForm
from evalsite.i18n import error_text
from surveys.errors import DomainError
from surveys.services import users

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password (required after an admin reset it)."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            user = users.change_own_password(db, current_user.id, form.current.data, form.new.data, now=utcnow())
        except DomainError as error:
            form.new.errors.append(error_text(error))
        else:
            db.commit()
            login_session.start(LoginUser(user))  # the old session id named the old password
            flash(_("密码已修改"))
            return redirect(url_for("home.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("account/password.html", form=form), status
