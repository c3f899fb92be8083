"""Configuration from environment variables (prefix ``EVALSITE_``)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEFAULT_SECRET = "dev-only-secret-change-me"  # noqa: S105 - the known value production refuses


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def from_environment(environ: os._Environ | dict = os.environ) -> dict:
    """Settings read from the environment, with development defaults."""
    env = environ.get("EVALSITE_ENV", "development")
    return {
        "ENV_NAME": env,
        "DEBUG": environ.get("EVALSITE_DEBUG", "0") == "1",
        "SECRET_KEY": environ.get("EVALSITE_SECRET_KEY", DEFAULT_SECRET),
        "DATABASE_URL": environ.get("EVALSITE_DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'evalsite.db'}"),
        "PUBLIC_BASE_URL": environ.get("EVALSITE_PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "RATELIMIT_STORAGE_URI": environ.get("EVALSITE_RATELIMIT_STORAGE", "memory://"),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "evalsite" / "translations"),
        "MAX_CONTENT_LENGTH": int(environ.get("EVALSITE_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "PERMANENT_SESSION_LIFETIME": int(environ.get("EVALSITE_SESSION_SECONDS", 8 * 3600)),
        # A form left open longer than the token's life fails with a clear message (see errors).
        "WTF_CSRF_TIME_LIMIT": int(environ.get("EVALSITE_CSRF_SECONDS", 8 * 3600)),
    }


def check(config: dict) -> None:
    """Refuse to run production with debug on or the development secret."""
    if config.get("ENV_NAME") != "production":
        return
    if config.get("DEBUG"):
        raise ConfigError("EVALSITE_DEBUG must be off in production")
    secret = config.get("SECRET_KEY") or ""
    if secret == DEFAULT_SECRET or len(secret) < 32:
        raise ConfigError("EVALSITE_SECRET_KEY must be set to a random value of 32+ characters")
