"""Configuration from environment variables (prefix ``EVALSITE_``)."""

from __future__ import annotations

import os
from pathlib import Path

from surveys.passwords import DEFAULT_HASH_METHOD

ROOT = Path(__file__).resolve().parent
DEFAULT_SECRET = "dev-only-secret-change-me"  # noqa: S105 - the known value production refuses  # nosec B105
DEFAULT_CODE_KEY = "dev-only-code-key"
DEFAULT_LOOKUP_KEY = "dev-only-lookup-key"


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
        # Codes are derived with CODE_KEY and looked up by a digest under LOOKUP_KEY; losing
        # CODE_KEY means batches cannot be reprinted, leaking both lets codes be forged.
        "CODE_KEY": environ.get("EVALSITE_CODE_KEY", DEFAULT_CODE_KEY),
        "LOOKUP_KEY": environ.get("EVALSITE_LOOKUP_KEY", DEFAULT_LOOKUP_KEY),
        "TERMINAL_CODE_MINUTES": int(environ.get("EVALSITE_TERMINAL_CODE_MINUTES", 30)),
        "PUBLIC_BASE_URL": environ.get("EVALSITE_PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "RATELIMIT_STORAGE_URI": environ.get("EVALSITE_RATELIMIT_STORAGE", "memory://"),
        # Reverse proxies in front of the app that append to X-Forwarded-For (nginx: 1).
        "PROXY_HOPS": int(environ.get("EVALSITE_PROXY_HOPS", 0)),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "evalsite" / "translations"),
        "MAX_CONTENT_LENGTH": int(environ.get("EVALSITE_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)),
        # One file attached to a rectification report; a request may carry several (above).
        "ATTACHMENT_MAX_BYTES": int(environ.get("EVALSITE_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)),
        # The calendar that deadlines (整改期限) are kept in: "today" and "overdue" follow it.
        "TIMEZONE": environ.get("EVALSITE_TIMEZONE", "Asia/Shanghai"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        # A signed-in session ends this long after login however busy, or after the idle time.
        "PERMANENT_SESSION_LIFETIME": int(environ.get("EVALSITE_SESSION_SECONDS", 8 * 3600)),
        "SESSION_IDLE_SECONDS": int(environ.get("EVALSITE_SESSION_IDLE_SECONDS", 30 * 60)),
        # How new passwords are hashed (werkzeug's method names). Not read from the environment:
        # only the tests choose another (a cheap one), and production refuses any but scrypt.
        "PASSWORD_HASH_METHOD": DEFAULT_HASH_METHOD,
        # Failed sign-ins before a username or a client address is locked (evalsite.throttle).
        "LOGIN_FAILURES_PER_USERNAME": environ.get("EVALSITE_LOGIN_FAILURES_PER_USERNAME", "5 per 15 minutes"),
        "LOGIN_FAILURES_PER_ADDRESS": environ.get("EVALSITE_LOGIN_FAILURES_PER_ADDRESS", "20 per 15 minutes"),
        # The background job queue: an SQLite file beside the database (embedded), or Redis
        # (redis://host:port/db) in production; the folder holds the files jobs produce, shared
        # by the web servers and the worker (evalsite.jobs).
        "JOBS_URL": environ.get("EVALSITE_JOBS_URL", f"sqlite:///{ROOT / 'instance' / 'jobs-queue.db'}"),
        "JOBS_QUEUE": environ.get("EVALSITE_JOBS_QUEUE", "evalsite"),
        "JOBS_FOLDER": environ.get("EVALSITE_JOBS_FOLDER", str(ROOT / "instance" / "jobs")),
        # A form left open longer than the token's life fails with a clear message (see errors).
        "WTF_CSRF_TIME_LIMIT": int(environ.get("EVALSITE_CSRF_SECONDS", 8 * 3600)),
        **_single_sign_on(environ),
    }


def _single_sign_on(environ) -> dict:
    """Staff sign-in through the organisation's directory; each method is on when its URL is
    set (checked at start-up by evalsite.sso.settings)."""
    return {
        # Directory groups → role and unit: a JSON list, or the path of a JSON file (surveys.directory).
        "SSO_GROUPS": environ.get("EVALSITE_SSO_GROUPS", ""),
        "LDAP_URL": environ.get("EVALSITE_LDAP_URL", ""),
        "LDAP_START_TLS": environ.get("EVALSITE_LDAP_START_TLS", "0") == "1",
        "LDAP_BIND_DN": environ.get("EVALSITE_LDAP_BIND_DN", ""),
        "LDAP_BIND_PASSWORD": environ.get("EVALSITE_LDAP_BIND_PASSWORD", ""),
        "LDAP_USER_BASE": environ.get("EVALSITE_LDAP_USER_BASE", ""),
        "LDAP_USER_FILTER": environ.get("EVALSITE_LDAP_USER_FILTER", "(uid={username})"),
        "LDAP_GROUP_BASE": environ.get("EVALSITE_LDAP_GROUP_BASE", ""),
        "LDAP_GROUP_FILTER": environ.get("EVALSITE_LDAP_GROUP_FILTER", "(|(member={dn})(uniqueMember={dn}))"),
        "LDAP_NAME_ATTRIBUTE": environ.get("EVALSITE_LDAP_NAME_ATTRIBUTE", "cn"),
        "LDAP_TIMEOUT": int(environ.get("EVALSITE_LDAP_TIMEOUT", 5)),
        "CAS_URL": environ.get("EVALSITE_CAS_URL", ""),
        "CAS_VERSION": environ.get("EVALSITE_CAS_VERSION", "3"),
        "CAS_GROUPS_ATTRIBUTE": environ.get("EVALSITE_CAS_GROUPS_ATTRIBUTE", "memberOf"),
        "CAS_NAME_ATTRIBUTE": environ.get("EVALSITE_CAS_NAME_ATTRIBUTE", "displayName"),
        "OIDC_ISSUER": environ.get("EVALSITE_OIDC_ISSUER", ""),
        "OIDC_CLIENT_ID": environ.get("EVALSITE_OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": environ.get("EVALSITE_OIDC_CLIENT_SECRET", ""),
        "OIDC_SCOPE": environ.get("EVALSITE_OIDC_SCOPE", "openid profile"),
        "OIDC_USERNAME_CLAIM": environ.get("EVALSITE_OIDC_USERNAME_CLAIM", "preferred_username"),
        "OIDC_GROUPS_CLAIM": environ.get("EVALSITE_OIDC_GROUPS_CLAIM", "groups"),
        # How long a call to the CAS server or the OIDC provider may take before sign-in gives up.
        "SSO_TIMEOUT": float(environ.get("EVALSITE_SSO_TIMEOUT", 5)),
    }


def check(config: dict) -> None:
    """Refuse to run production with debug on, a development key or a password hash cheaper than scrypt."""
    if config.get("ENV_NAME") != "production":
        return
    if config.get("DEBUG"):
        raise ConfigError("EVALSITE_DEBUG must be off in production")
    if config.get("PASSWORD_HASH_METHOD", DEFAULT_HASH_METHOD) != DEFAULT_HASH_METHOD:
        raise ConfigError(f"PASSWORD_HASH_METHOD must be {DEFAULT_HASH_METHOD} in production (others are for tests)")
    for name, default in (
        ("SECRET_KEY", DEFAULT_SECRET),
        ("CODE_KEY", DEFAULT_CODE_KEY),
        ("LOOKUP_KEY", DEFAULT_LOOKUP_KEY),
    ):
        value = config.get(name) or ""
        if value == default or len(value) < 32:
            raise ConfigError(f"EVALSITE_{name} must be set to a random value of 32+ characters")
