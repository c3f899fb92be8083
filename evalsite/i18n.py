"""Languages: Simplified Chinese by default, English on request.

Message ids are the Chinese texts themselves, so Chinese needs no catalog; English lives in
``translations/en``.
"""

from __future__ import annotations

from babel import Locale
from flask import Flask, has_request_context, session
from flask_babel import Babel, gettext

from surveys.errors import DomainError
from surveys.i18n import MsgId

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
    app.jinja_env.globals.update(current_language=current_language, LANGUAGES=LANGUAGES)
    app.jinja_env.add_extension("jinja2.ext.i18n")


def translate(message: str, params: dict | None = None) -> str:
    """Translate a domain msgid; params marked with ``N_`` are translated too, data never is."""
    params = {key: gettext(value) if isinstance(value, MsgId) else value for key, value in (params or {}).items()}
    return gettext(message, **params) if params else gettext(message)


def error_text(error: DomainError) -> str:
    return translate(error.message, error.params)
