"""JSON API for window terminals: a fresh single-use code after each served transaction.

Terminals authenticate with a bearer token (``Authorization: Bearer <token>``), not with a
session cookie, so the blueprint is exempt from CSRF. Every answer, errors included, is
JSON and never cached; no code or token is ever logged.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from evalsite.database import get_session, utcnow
from evalsite.i18n import error_text
from evalsite.keys import code_keys
from evalsite.qr import qr_svg
from evalsite.security import csrf
from surveys import codes
from surveys.errors import DomainError
from surveys.i18n import N_
from surveys.models import Code
from surveys.services import issuing

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@bp.post("/codes")
def issue_code():
    """A new code bound to the calling terminal's target, valid for the terminal's time to live."""
    db = get_session()
    code, batch = issuing.next_terminal_code(db, _bearer_token(), code_keys(), now=utcnow())
    expires_at = _expiry_of(db, code)
    db.commit()
    url = codes.code_url(current_app.config["PUBLIC_BASE_URL"], code)
    body = {
        "code": codes.display(code),
        "url": url,
        "expires_at": _iso_utc(expires_at),
        "target": {"code": batch.target.code, "name": batch.target.name},
        "qr_svg": qr_svg(url),
    }
    return jsonify(body), 201, NO_STORE


class MissingToken(issuing.TerminalRefused):
    def __init__(self) -> None:
        super().__init__(N_("缺少终端令牌：请在 Authorization 头中以 Bearer 方式提供"))


def _bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise MissingToken()
    return token


def _expiry_of(db: Session, code: str) -> datetime:
    """When the new code stops working, as the service stored it."""
    return db.get(Code, codes.digest(code_keys().lookup, code)).expires_at


def _iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, to the second (stored times are naive UTC)."""
    return moment.replace(microsecond=0).isoformat() + "Z"


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    headers = dict(NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="evalsite"'
    return jsonify(error=error_text(error)), error.status, headers


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return jsonify(error=error.name), error.code or 500, NO_STORE
