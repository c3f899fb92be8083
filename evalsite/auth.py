"""Logging in and out, and the role checks every protected view carries."""

from __future__ import annotations

import hashlib
import hmac
import logging
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_required, logout_user

from evalsite import login_session, sso, throttle
from evalsite.database import get_session, utcnow
from evalsite.forms.account import LoginForm
from surveys.db import claim_write_lock
from surveys.models import AuthSource, Role, User
from surveys.services import users

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("请先登录")

#: Roles that configure campaigns. Admins can do everything organisers can.
ORGANISERS = (Role.ADMIN, Role.ORGANISER)
READERS = (Role.ADMIN, Role.ORGANISER, Role.LEADER)
#: The one answer to every refused sign-in: unknown name, wrong password, disabled or locked.
FAILED = _l("用户名或密码错误，或尝试次数过多已暂时锁定，请稍后再试。")


#: The directory could not be asked: nobody's fault, so it counts as no failed attempt.
DIRECTORY_DOWN = _l("单位目录暂时无法连接，请稍后再试。")
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    throttle.init_app(app)
    login_session.init_app(app)
    sso.init_app(app)
    app.register_blueprint(bp)


@login_manager.user_loader
def _load_user(session_id: str) -> LoginUser | None:
    """The signed-in user, unless the account was disabled, its password changed or its
    sessions were ended (logout) since this session began."""
    user_id, _sep, fingerprint = session_id.partition(":")
    user = get_session().get(User, int(user_id)) if user_id.isdigit() and len(user_id) < 10 else None
    if user is None or not user.is_active or not hmac.compare_digest(fingerprint, session_fingerprint(user)):
        return None
    return LoginUser(user)


def session_fingerprint(user: User) -> str:
    """Changes whenever the password or the session version does, so a reset, a password
    change, a logout or disabling the account ends every session opened before."""
    seed = f"{user.password_hash}:{user.session_version}"
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


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
        self.must_change_password = user.must_change_password
        #: A directory account's password lives in its directory, not here.
        self.has_local_password = user.auth_source is AuthSource.LOCAL
        self.name = user.display_name or user.username
        self._session_id = f"{user.id}:{session_fingerprint(user)}"

    def get_id(self) -> str:
        return self._session_id


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
    """Show the login form and sign a user in, with a local password or (when on) the
    directory's; failures of both are throttled per name and address, with one message."""
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        username, address = form.username.data, get_remote_address()
        is_locked = throttle.current().is_locked(username, address)
        try:
            if sso.is_directory_login(session, username):
                user = sso.sign_in_with_ldap(session, username, form.password.data, is_throttled=is_locked)
            else:
                user = users.authenticate(session, username, form.password.data, now=utcnow(), is_throttled=is_locked)
        except sso.DirectoryUnavailable as error:
            log.warning("%s", error)
            flash(str(DIRECTORY_DOWN), "error")
            return render_template("auth/login.html", form=form), 503
        session.commit()
        if user is None:
            if not is_locked:
                throttle.current().record_failure(username, address)
            flash(str(FAILED), "error")
            return render_template("auth/login.html", form=form), 401
        throttle.current().record_success(username)
        login_session.start(LoginUser(user))
        if user.must_change_password:
            return redirect(url_for("account.change_password"))
        target = request.args.get("next")
        return redirect(target if is_safe_next(target) else url_for("home.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out everywhere: the user's session version goes up, so this cookie (and any copy of
    it, on any device) no longer signs anyone in; then forget everything the session held."""
    db = get_session()
    claim_write_lock(db)
    if current_user.is_authenticated:
        users.end_sessions(db, current_user.id, now=utcnow())
        db.commit()
    logout_user()
    login_session.clear()
    return redirect(url_for("auth.login"))
