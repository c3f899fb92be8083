"""CAS and OIDC sign-in: a button on the login page sends the browser to the organisation's
sign-in server, which sends it back here with a ticket (CAS) or a code (OIDC) that this app
checks directly with that server.

The return routes write (a first sign-in creates the account) on a GET: both protocols
return by redirect, and the one-use ticket or code and, for OIDC, the state bound to this
browser's session are what protect them, as a form token protects a POST.
"""

from __future__ import annotations

import logging

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from cas import CASClient
from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from joserfc.errors import JoseError

from evalsite import login_session
from evalsite.auth import LoginUser, is_safe_next
from evalsite.database import get_session, utcnow
from evalsite.forms.account import LoginForm
from evalsite.sso.settings import SsoSettings
from surveys.db import claim_write_lock
from surveys.directory import Identity
from surveys.services import directory_accounts

bp = Blueprint("sso", __name__, url_prefix="/login")
log = logging.getLogger(__name__)
#: The one answer to a refused redirect sign-in: the server said no, or the groups give no access.
REFUSED = _l("统一身份认证未通过，或您的单位账号没有本系统的访问权限，请联系管理员。")
UNAVAILABLE = _l("统一身份认证服务暂时无法连接，请稍后再试。")


def init_app(app: Flask, sso: SsoSettings) -> None:
    if sso.is_oidc:
        oauth = OAuth(app)
        issuer = app.config["OIDC_ISSUER"].rstrip("/")
        oauth.register(
            "oidc",
            client_id=app.config["OIDC_CLIENT_ID"],
            client_secret=app.config["OIDC_CLIENT_SECRET"],
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": app.config["OIDC_SCOPE"], "timeout": app.config["SSO_TIMEOUT"]},
        )
        app.extensions["evalsite.oidc"] = oauth
    app.register_blueprint(bp)


class _TimeoutSession(requests.Session):
    """python-cas asks its server without a time limit; a hung server must not hang a worker."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", current_app.config["SSO_TIMEOUT"])
        return super().request(*args, **kwargs)


def _cas_client() -> CASClient:
    return CASClient(
        version=str(current_app.config["CAS_VERSION"]),
        server_url=current_app.config["CAS_URL"].rstrip("/") + "/",
        service_url=url_for("sso.cas_return", _external=True),
        session=_TimeoutSession(),
    )


def _require(method: str) -> None:
    if method not in current_app.extensions["evalsite.sso"].methods:
        abort(404)


def _remember_next() -> None:
    target = request.args.get("next")
    session["sso_next"] = target if is_safe_next(target) else None


@bp.get("/cas")
def cas_start():
    """Send the browser to the CAS server's sign-in page."""
    _require("cas")
    _remember_next()
    return redirect(_cas_client().get_login_url())


@bp.get("/cas/return")
def cas_return():
    """Check the ticket the CAS server sent back, and sign its user in."""
    _require("cas")
    ticket = request.args.get("ticket", "")
    if not ticket.startswith("ST-") or len(ticket) > 256:
        return _refused()
    try:
        username, attributes, _pgtiou = _cas_client().verify_ticket(ticket)
    except requests.RequestException as error:
        return _unavailable(error)
    if not username:
        return _refused()
    attributes = attributes or {}
    name = attributes.get(current_app.config["CAS_NAME_ATTRIBUTE"])
    identity = Identity(
        source="cas",
        external_id=username,
        username=username,
        display_name=_first(name) or username,
        groups=_listed(attributes.get(current_app.config["CAS_GROUPS_ATTRIBUTE"])),
    )
    return _finish(identity)


@bp.get("/oidc")
def oidc_start():
    """Send the browser to the OIDC provider's sign-in page."""
    _require("oidc")
    _remember_next()
    try:
        return current_app.extensions["evalsite.oidc"].oidc.authorize_redirect(
            url_for("sso.oidc_return", _external=True)
        )
    except requests.RequestException as error:
        return _unavailable(error)


@bp.get("/oidc/return")
def oidc_return():
    """Exchange the code for a signed ID token, check it, and sign its subject in."""
    _require("oidc")
    try:
        token = current_app.extensions["evalsite.oidc"].oidc.authorize_access_token()
    except requests.RequestException as error:
        return _unavailable(error)
    except (OAuthError, JoseError, ValueError) as error:  # a refused code, a bad state, signature or claim
        log.warning("OIDC sign-in refused: %s", error)
        return _refused()
    claims = token.get("userinfo") or {}
    username = claims.get(current_app.config["OIDC_USERNAME_CLAIM"])
    if not claims.get("sub") or not isinstance(username, str):
        return _refused()
    identity = Identity(
        source="oidc",
        external_id=f"{claims['iss']}|{claims['sub']}",
        username=username,
        display_name=str(claims.get("name") or username),
        groups=_listed(claims.get(current_app.config["OIDC_GROUPS_CLAIM"])),
    )
    return _finish(identity)


def _finish(identity: Identity):
    """Sign in (or refuse) the person the directory vouched for, as the login form does."""
    db = get_session()
    claim_write_lock(db)
    user = directory_accounts.sign_in(db, identity, current_app.extensions["evalsite.sso"].rules, now=utcnow())
    db.commit()
    if user is None:
        return _refused()
    target = session.pop("sso_next", None)
    login_session.start(LoginUser(user))
    return redirect(target if is_safe_next(target) else url_for("home.index"))


def _refused():
    flash(str(REFUSED), "error")
    return render_template("auth/login.html", form=LoginForm()), 403


def _unavailable(error: Exception):
    log.warning("single sign-on server unreachable: %s", error)
    flash(str(UNAVAILABLE), "error")
    return render_template("auth/login.html", form=LoginForm()), 503


def _first(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")


def _listed(value) -> tuple[str, ...]:
    """A group claim or attribute: one string, a list of them, or nothing."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(item) for item in value if item)
    return ()
