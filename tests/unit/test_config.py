"""Production refuses unsafe settings; development starts with defaults."""

from __future__ import annotations

import pytest

import config
from evalsite import create_app
from surveys import passwords
from tests.conftest import PASSWORD, TEST_HASH_METHOD

STRONG = "x" * 40


def production(**overrides) -> dict:
    env = {
        "EVALSITE_ENV": "production",
        "EVALSITE_SECRET_KEY": STRONG,
        "EVALSITE_CODE_KEY": STRONG + "c",
        "EVALSITE_LOOKUP_KEY": STRONG + "l",
        "EVALSITE_DATABASE_URL": "sqlite://",
    }
    env.update(overrides)
    return config.from_environment(env)


def test_production_with_strong_keys_starts_with_secure_cookies():
    settings = production()
    config.check(settings)
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True


@pytest.mark.parametrize(
    "overrides",
    [
        {"EVALSITE_DEBUG": "1"},
        {"EVALSITE_SECRET_KEY": config.DEFAULT_SECRET},
        {"EVALSITE_SECRET_KEY": "short"},
        {"EVALSITE_CODE_KEY": config.DEFAULT_CODE_KEY},
        {"EVALSITE_LOOKUP_KEY": "short"},
    ],
    ids=["debug on", "default secret", "short secret", "default code key", "short lookup key"],
)
def test_production_refuses_to_start_with_unsafe_settings(overrides):
    with pytest.raises(config.ConfigError):
        config.check(production(**overrides))


def test_the_app_factory_itself_refuses_unsafe_production_settings():
    with pytest.raises(config.ConfigError):
        create_app({"ENV_NAME": "production", "DATABASE_URL": "sqlite://"})


def test_development_defaults_use_an_embedded_sqlite_file():
    settings = config.from_environment({})
    config.check(settings)
    assert settings["DATABASE_URL"].startswith("sqlite:///")
    assert settings["BABEL_DEFAULT_LOCALE"] == "zh_CN"


def test_production_refuses_the_cheap_password_hash_the_tests_use():
    assert production()["PASSWORD_HASH_METHOD"] == "scrypt"
    with pytest.raises(config.ConfigError, match="PASSWORD_HASH_METHOD must be scrypt"):
        config.check(production() | {"PASSWORD_HASH_METHOD": TEST_HASH_METHOD})
    with pytest.raises(config.ConfigError, match="PASSWORD_HASH_METHOD"):
        create_app(production() | {"PASSWORD_HASH_METHOD": TEST_HASH_METHOD})


def test_an_app_left_to_its_defaults_hashes_new_passwords_with_scrypt():
    create_app({"DATABASE_URL": "sqlite://"}).extensions["evalsite.engine"].dispose()
    stored = passwords.hash_password(PASSWORD)
    assert stored.startswith("scrypt:32768:8:1$")
    assert passwords.is_password(stored, PASSWORD)
    assert not passwords.is_password(stored, PASSWORD + "x")


def test_the_tests_hash_cheaply_and_a_cheap_hash_still_refuses_a_wrong_password():
    stored = passwords.hash_password(PASSWORD)
    assert stored.startswith(f"{TEST_HASH_METHOD}$")
    assert passwords.is_password(stored, PASSWORD)
    assert not passwords.is_password(stored, PASSWORD + "x")


def test_an_unknown_hash_method_is_refused_when_the_app_is_built():
    with pytest.raises(ValueError, match="unknown password hash method"):
        create_app({"DATABASE_URL": "sqlite://", "PASSWORD_HASH_METHOD": "md5"})
