"""Logging in and out, and the role checks every protected view carries."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from evalsite.database import get_session, utcnow
from evalsite.forms import LoginForm
from surveys.models import Role, User
from surveys.services import users

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("请先登录")

#: Roles that configure campaigns. Admins can do everything organisers can.
ORGANISERS = (Role.ADMIN, Role.ORGANISER)
READERS = (Role.ADMIN, Role.ORGANISER, Role.LEADER)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.register_blueprint(bp)


@login_manager.user_loader
def _load_user(user_id: str) -> LoginUser | None:
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    return LoginUser(user) if user is not None and user.is_active else None


class LoginUser:
    """What Flask-Login keeps for the current user: a thin wrapper over the model."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user: User):
        self.user = user
        self.id = user.id
        self.role = user.role
        self.unit_id = user.unit_id
        self.is_active = user.is_active
        self.name = user.display_name or user.username

    def get_id(self) -> str:
        return str(self.id)


def role_required(*roles: Role):
    """Allow only logged-in users with one of ``roles``; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative ``//`` trick."""
    if not target:
        return False
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return False  # control characters would split headers or confuse browsers
    parts = urlsplit(target)
    return (
        not parts.scheme
        and not parts.netloc
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and sign a user in."""
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        user = users.authenticate(session, form.username.data, form.password.data, now=utcnow())
        session.commit()
        if user is not None:
            login_user(LoginUser(user))
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("home.index"))
        flash(_("用户名或密码错误"), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out."""
    logout_user()
    return redirect(url_for("auth.login"))
