"""The life of a signed-in session: started fresh, ended when idle or too old, and held at the
password page while the user must choose a new password.

Flask keeps the session in a signed cookie whose signature is valid for
``PERMANENT_SESSION_LIFETIME`` after its last refresh; that also keeps a rater's CSRF token
alive on a long-open public form. A signed-in session gets two stamps on top: when it
started (ended after ``PERMANENT_SESSION_LIFETIME``, 8 h by default, however busy) and when
it was last used (ended after ``SESSION_IDLE_SECONDS``, 30 min by default). An admin's
password reset changes the session id (see ``auth.session_fingerprint``), so the "must change"
mark set at the next login is the only one that matters.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

#: Pages a user who must change their password may still reach.
_ALLOWED_BEFORE_CHANGE = {"account.change_password", "auth.logout", "home.set_language", "static"}


def init_app(app: Flask) -> None:
    app.config.setdefault("SESSION_IDLE_SECONDS", 30 * 60)
    app.before_request(_enforce)


def start(user) -> None:
    """Sign ``user`` in on a fresh session: nothing from before the login (tokens, flashes)
    survives except the language, so a session fixed by someone else is worthless."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(user)
    session.permanent = True
    session["_started"] = session["_seen"] = int(time.time())
    if user.must_change_password:
        session["_must_change"] = True


def clear() -> None:
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def _enforce():
    """Read from the cookie only: loading the user here would open a database transaction
    before views that must begin theirs as writers (see surveys.db.claim_write_lock)."""
    if "_user_id" not in session:
        return None
    now = int(time.time())
    started, seen = session.get("_started", 0), session.get("_seen", 0)
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if now - started > lifetime or now - seen > current_app.config["SESSION_IDLE_SECONDS"]:
        logout_user()
        clear()
        flash(_("登录已过期，请重新登录"), "error")
        return redirect(url_for("auth.login", next=request.path if request.method == "GET" else None))
    session["_seen"] = now
    if session.get("_must_change") and request.endpoint not in _ALLOWED_BEFORE_CHANGE:
        return redirect(url_for("account.change_password"))
    return None
