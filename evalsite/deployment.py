"""What a deployment needs from the app: the proxy's hop count and the health check.

``PROXY_HOPS`` (``EVALSITE_PROXY_HOPS``) is the number of reverse proxies in front of the
app that append to ``X-Forwarded-For``: 1 for one nginx, 0 (the default) when clients
connect directly, and then no forwarded header is believed. With the right count,
``request.remote_addr`` is the client's address — what the rate limiter counts by — and a
client that sends its own ``X-Forwarded-For`` only adds entries that are never read.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    from evalsite.views import health

    hops = int(app.config.get("PROXY_HOPS", 0))
    if hops < 0:
        raise ValueError("EVALSITE_PROXY_HOPS must be 0 or more")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]  # Flask's documented way to add middleware
    app.register_blueprint(health.bp)
