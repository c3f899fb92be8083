"""The Flask delivery layer of evalsite."""

from __future__ import annotations

from flask import Flask

import config


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; ``test_config`` overrides settings read from the environment."""
    app = Flask(__name__)
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    config.check(app.config)

    from evalsite import auth, cli, database, errors, i18n, security
    from evalsite.views import admin, home

    database.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(admin.bp)
    return app
