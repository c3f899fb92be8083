"""The Flask delivery layer of evalsite."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

import config
from surveys import passwords


class DatabaseId(IntegerConverter):
    """``<int:...>`` in routes: an id the database can hold, else the route does not match (404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; ``test_config`` overrides settings read from the environment."""
    app = Flask(__name__)
    app.url_map.converters["int"] = DatabaseId
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    config.check(app.config)
    passwords.use_hash_method(app.config["PASSWORD_HASH_METHOD"])

    from evalsite import auth, cli, database, deployment, errors, i18n, jobs, limits, security, selectors
    from evalsite.views import (
        account,
        admin,
        api,
        home,
        ledger,
        public,
        public_results,
        publishing,
        reports,
        results,
    )
    from evalsite.views import jobs as job_pages

    database.init_app(app)
    jobs.init_app(app)
    security.init_app(app)
    limits.init_app(app)
    i18n.init_app(app)
    selectors.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    deployment.init_app(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(results.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(publishing.bp)
    app.register_blueprint(public_results.bp)
    app.register_blueprint(ledger.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(job_pages.bp)
    return app
