"""What the deployment relies on: the client's address behind a proxy, and the health check."""

from __future__ import annotations

import pytest
from flask import request
from sqlalchemy import text

from evalsite import limits

PROXY = "10.9.0.1"  #: the reverse proxy, as the app sees it connect
CLIENT = "203.0.113.7"  #: a phone, as nginx writes it into X-Forwarded-For


def whoami_app(make_app, **config):
    """An app with one extra route that answers the client address the app believes in."""
    app = make_app(**config)
    app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr)
    return app


def seen(app, forwarded: str | None = None) -> str:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    response = app.test_client().get("/whoami", headers=headers, environ_base={"REMOTE_ADDR": PROXY})
    return response.get_data(as_text=True)


def test_without_proxy_hops_no_forwarded_header_is_believed(make_app):
    app = whoami_app(make_app)
    assert seen(app) == PROXY
    assert seen(app, CLIENT) == PROXY


def test_behind_one_proxy_the_client_is_the_address_nginx_appended(make_app):
    app = whoami_app(make_app, PROXY_HOPS=1)
    assert seen(app, CLIENT) == CLIENT
    # The phone sent its own X-Forwarded-For: nginx appends the real address after it.
    assert seen(app, f"198.51.100.1, {CLIENT}") == CLIENT
    assert seen(app, f"198.51.100.1, 198.51.100.2, {CLIENT}") == CLIENT


def test_behind_two_proxies_the_second_hop_from_the_right_is_the_client(make_app):
    app = whoami_app(make_app, PROXY_HOPS=2)
    assert seen(app, f"{CLIENT}, 10.9.0.2") == CLIENT
    assert seen(app, f"198.51.100.1, {CLIENT}, 10.9.0.2") == CLIENT


def test_a_negative_hop_count_is_refused(make_app):
    with pytest.raises(ValueError, match="PROXY_HOPS"):
        make_app(PROXY_HOPS=-1)


def test_a_spoofed_forwarded_address_does_not_escape_the_failure_limit(make_app):
    """Behind nginx, failures are counted per real client; inventing addresses changes nothing."""
    app = make_app(PROXY_HOPS=1, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    limits.limiter.reset()
    client = app.test_client()

    def fail(forwarded: str) -> int:
        headers = {"X-Forwarded-For": forwarded}
        response = client.post(
            "/r", data={"code": "K7QM-3XPD-9TRA-U"}, headers=headers, environ_base={"REMOTE_ADDR": PROXY}
        )
        return response.status_code

    statuses = [fail(f"198.51.100.{i}, {CLIENT}") for i in range(10)]
    assert statuses == [400] * 10
    assert fail(f"198.51.100.99, {CLIENT}") == 429
    assert fail(CLIENT) == 429
    assert fail("203.0.113.8") == 400  # another phone behind the same proxy is not punished


def test_rate_limits_can_be_switched_off_without_switching_them_off_for_the_next_app(make_app):
    """RATELIMIT_ENABLED=False starts (it used to fail at start-up) and counts nothing; an app
    built after it in the same process, with the default settings, limits again."""
    unlimited = make_app(RATELIMIT_ENABLED=False).test_client()
    assert {unlimited.post("/r", data={"code": "K7QM-3XPD-9TRA-U"}).status_code for _ in range(15)} == {400}

    limits.limiter.reset()
    limited = make_app().test_client()
    statuses = [limited.post("/r", data={"code": "K7QM-3XPD-9TRA-U"}).status_code for _ in range(11)]
    assert statuses == [400] * 10 + [429]


# --- /healthz --------------------------------------------------------------------------------


def test_health_check_answers_ok_without_a_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "schema": "current"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_health_check_is_never_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    limits.limiter.reset()
    client = app.test_client()
    assert {client.get("/healthz").status_code for _ in range(100)} == {200}


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/evalsite?connect_timeout=2",  # nothing listens on port 1
        "sqlite:////nonexistent-folder/evalsite.db",
    ],
    ids=["postgresql", "sqlite"],
)
def test_health_check_says_unavailable_when_the_database_cannot_be_reached(make_app, url, caplog):
    app = make_app(DATABASE_URL=url)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert "127.0.0.1:1" not in response.get_data(as_text=True)
    assert any("health check" in record.getMessage() for record in caplog.records)


def test_health_check_says_unavailable_when_the_schema_is_not_this_codes(client, engine):
    with engine.begin() as conn:
        head = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    try:
        response = client.get("/healthz")
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok", "schema": "outdated"}
