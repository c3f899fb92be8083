"""``flask --app wsgi sso-sync``: re-read the LDAP groups of every directory account.

Sign-in already re-reads them; this is for the people who do not sign in again. Run it every
few minutes (a systemd timer or cron), and someone removed from the mapped groups, or from
the directory, loses every open session within that time instead of at its expiry. CAS and
OIDC servers answer only for a person signing in, so their accounts are checked at sign-in
and their sessions end by the session limits (``EVALSITE_SESSION_SECONDS`` and idle time).
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from evalsite.database import utcnow
from evalsite.sso.ldap import DirectoryUnavailable
from surveys.db import claim_write_lock
from surveys.models import AuthSource, User
from surveys.services import directory_accounts


@click.command("sso-sync")
@with_appcontext
def sso_sync() -> None:
    """Bring every LDAP account in line with the directory; end the sessions of those without access."""
    sso = current_app.extensions["evalsite.sso"]
    if not sso.is_ldap:
        raise click.ClickException(_("未配置 LDAP（EVALSITE_LDAP_URL），没有可同步的目录"))
    directory = current_app.extensions["evalsite.ldap"]
    ended = kept = 0
    with current_app.extensions["evalsite.sessions"]() as session:
        claim_write_lock(session)
        accounts = session.scalars(select(User).where(User.auth_source == AuthSource.LDAP, User.is_active))
        try:
            for user in accounts.all():
                identity = directory.lookup(user.username)
                if directory_accounts.review(session, user, identity, sso.rules, now=utcnow()):
                    kept += 1
                else:
                    ended += 1
        except DirectoryUnavailable as error:
            session.rollback()
            raise click.ClickException(_("单位目录暂时无法连接，未做任何更改：%(error)s", error=error)) from None
        session.commit()
    click.echo(
        _("目录同步完成：%(kept)d 个账号保留访问权限，%(ended)d 个账号已失去访问权限并退出登录", kept=kept, ended=ended)
    )
