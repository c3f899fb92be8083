"""Single sign-on for staff: LDAP / Active Directory on the login form, CAS and OIDC by
redirect, each on when configured (evalsite.sso.settings). Directory groups decide role and
unit (surveys.directory); local accounts, the admin's among them, sign in as before.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from evalsite.database import utcnow
from evalsite.sso.ldap import DirectoryUnavailable, LdapDirectory
from evalsite.sso.settings import SsoSettings, read
from surveys.models import AuthSource, User
from surveys.services import directory_accounts, users

__all__ = ["DirectoryUnavailable", "init_app", "is_directory_login", "settings", "sign_in_with_ldap"]

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Check the settings (a bad one stops start-up) and add the routes of what is on."""
    sso = read(app.config)
    app.extensions["evalsite.sso"] = sso
    if sso.is_ldap:
        app.extensions["evalsite.ldap"] = LdapDirectory(app.config)
    if sso.is_cas or sso.is_oidc:
        from evalsite.sso import views

        views.init_app(app, sso)
    app.jinja_env.globals["sso_methods"] = sso.methods
    from evalsite.sso.sync import sso_sync

    app.cli.add_command(sso_sync)


def settings() -> SsoSettings:
    return current_app.extensions["evalsite.sso"]


def is_directory_login(session: Session, username: str) -> bool:
    """Whether the login form's password goes to LDAP: LDAP is on and no local account has
    this name (a local account, such as the admin's, always signs in here)."""
    if not settings().is_ldap:
        return False
    local = select(User.id).where(User.username == username.strip(), User.auth_source == AuthSource.LOCAL)
    return session.scalar(local) is None


def sign_in_with_ldap(session: Session, username: str, password: str, *, is_throttled: bool) -> User | None:
    """The user, if LDAP accepts the password and their groups give access; else None.

    A throttled name is refused without asking the directory, so an attacker guessing here
    cannot lock the person's directory account either. Raises DirectoryUnavailable.
    """
    now = utcnow()
    if is_throttled:
        users.record_refused_login(session, username, "throttled", now=now, source="ldap")
        return None
    identity = current_app.extensions["evalsite.ldap"].identify(username, password)
    if identity is None:
        users.record_refused_login(session, username, "wrong_password", now=now, source="ldap")
        return None
    return directory_accounts.sign_in(session, identity, settings().rules, now=now)
