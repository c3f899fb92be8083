"""Browser-facing protections: CSRF tokens on every form and security headers on every response.

The Content-Security-Policy lets scripts and styles come only from our own origin: no inline
``<script>``, no ``on*=`` handlers, no ``style=`` attributes in templates (put behaviour in a
file under ``static/`` and styles in its CSS). Pages, static files, error pages and API JSON
all go through ``after_request``, so every response carries the same headers.
"""

from __future__ import annotations

import functools

from flask import Flask, Request, abort, make_response, request, session
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

#: One directive per entry; ``'self'`` only, so nothing from another origin and nothing inline.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}


def _policy(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


#: Pages that draw Plotly charts: plotly.js adds style sheets and style attributes as it draws
#: and cannot draw without them, so these pages allow inline styles. Scripts stay 'self' only.
CHART_POLICY = _policy({**CONTENT_SECURITY_POLICY, "style-src": "'self' 'unsafe-inline'"})

HEADERS = {
    "Content-Security-Policy": _policy(CONTENT_SECURITY_POLICY),
    "X-Content-Type-Options": "nosniff",
    # Our own pages may see where a user came from on our site (the error page's "back" link);
    # other sites learn nothing. The rating pages say the same in their own <meta>: over HTTPS,
    # Flask-WTF refuses a form whose Referer is missing, so "no-referrer" there would refuse
    # every ballot. Codes ride in the fragment, which no Referer carries.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
#: A year, as the HSTS preload list asks; only ever sent over HTTPS (RFC 6797 section 7.2).
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    app.request_class = ClosingRequest
    app.before_request(refuse_malformed_input)
    csrf.init_app(app)
    app.after_request(add_security_headers)
    app.after_request(forbid_storing_signed_in_pages)


def refuse_malformed_input():
    """400 for what no form of ours sends: a NUL character in a query or form value (PostgreSQL
    refuses it in text columns, the query would fail with a server error), or a multipart
    part without a name (werkzeug keys it None, which no view expects)."""
    if None in request.form or None in request.files:
        abort(400)
    values = [*request.args.values(), *(request.form.values() if request.form else ())]
    if any("\x00" in value for value in values):
        abort(400)


class ClosingRequest(Request):
    """Closes every upload buffer when the request ends.

    Werkzeug drops the temporary file of a multipart part cut off mid-stream without closing
    it (the parse fails after the file was opened), leaving it to the garbage collector; a
    stream of truncated uploads should not hold files open.
    """

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        stream = super()._get_file_stream(total_content_length, content_type, filename, content_length)
        self.__dict__.setdefault("_upload_streams", []).append(stream)
        return stream

    def close(self) -> None:
        super().close()
        for stream in self.__dict__.pop("_upload_streams", []):
            stream.close()


def add_security_headers(response):
    """Set the headers on every response, without overriding one a view chose on purpose."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def forbid_storing_signed_in_pages(response):
    """``Cache-Control: no-store`` on everything a signed-in user is sent, downloads included:
    on a shared office PC the back button must not show the leader's ranking after logout.
    Static files and assets marked public (plotly.js) keep their long cache; they hold no data."""
    if "_user_id" in session and request.endpoint != "static" and not response.cache_control.public:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def draws_charts(view):
    """Serve a view's page under ``CHART_POLICY`` (inline styles for plotly.js)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Content-Security-Policy"] = CHART_POLICY
        return response

    return wrapped
