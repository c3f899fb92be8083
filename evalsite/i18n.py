"""Languages: Simplified Chinese by default, English on request.

Message ids are the Chinese texts themselves, so Chinese needs no catalog; English lives in
``translations/en``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from babel import Locale
from flask import Flask, current_app, has_request_context, request, session, url_for
from flask_babel import Babel, gettext

from surveys.errors import DomainError
from surveys.i18n import MsgId
from surveys.labels import HONOUR_LIST_SCOPE, label
from surveys.moments import MINUTES, local_text

LANGUAGES = {"zh_CN": "简体中文", "en": "English"}

babel = Babel()
#: Parsed once: Babel would otherwise parse and normalise the name on every request.
_LOCALES = {code: Locale.parse(code) for code in LANGUAGES}


def current_language() -> str | None:
    """The language chosen on the page; None outside a request (CLI), as Babel needs."""
    if not has_request_context():
        return None
    choice = session.get("lang")
    return choice if choice in LANGUAGES else "zh_CN"


def select_locale() -> Locale | None:
    """Babel's locale selector: the chosen language as an already parsed locale."""
    language = current_language()
    return _LOCALES[language] if language else None


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        current_language=current_language,
        language_next=language_next,
        LANGUAGES=LANGUAGES,
        label=label,
        HONOUR_LIST_SCOPE=HONOUR_LIST_SCOPE,
    )
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.add_template_filter(local_time)


def translate(message: str, params: dict | None = None) -> str:
    """Translate a domain msgid; params marked with ``N_`` are translated too, data never is."""
    params = {key: gettext(value) if isinstance(value, MsgId) else value for key, value in (params or {}).items()}
    return gettext(message, **params) if params else gettext(message)


def error_text(error: DomainError) -> str:
    return translate(error.message, error.params)


def local_time(moment, fmt: str = MINUTES) -> str:
    """Template filter: a stored (naive UTC) moment on the clocks of ``TIMEZONE``; "—" for none."""
    return local_text(moment, current_app.config["TIMEZONE"], fmt) or "—"


def language_next() -> str:
    """Where switching the language returns to: this page with its query (filters kept) when
    it can be fetched again; after a form was sent to a URL that only takes POST, the page the
    form was on; else the home page."""
    if request.method == "GET":
        return request.full_path.removesuffix("?")
    if request.url_rule is not None and "GET" in (request.url_rule.methods or ()):
        return request.path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("home.index")
