"""Security headers on every kind of response, and templates the policy can serve unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evalsite.security import CHART_POLICY, CONTENT_SECURITY_POLICY, HEADERS
from surveys.models import Role
from tests.jobs_support import export
from tests.web.results_support import scored_campaign

TEMPLATES = Path(__file__).resolve().parents[2] / "evalsite" / "templates"


def policy(response) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


def assert_hardened(response) -> None:
    csp = policy(response)
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    response.close()


def test_pages_static_files_errors_and_the_api_all_carry_the_headers(client, sign_in):
    responses = {
        "login page": client.get("/login"),
        "public form": client.get("/r"),
        "static file": client.get("/static/r.js"),
        "404 page": client.get("/no/such/page"),
        "405 page": client.get("/logout"),
        "API JSON": client.post("/api/v1/codes", headers={"Authorization": "Bearer nope"}),
        "redirect": client.get("/admin/"),
    }
    sign_in(client, Role.LEADER)
    responses["403 page"] = client.get("/admin/units")
    for kind, response in responses.items():
        assert response.status_code in (200, 302, 401, 403, 404, 405), kind
        assert_hardened(response)
    assert responses["API JSON"].is_json


def test_a_server_error_page_carries_the_headers_too(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert_hardened(response)


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://evalsite.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_cookies_are_httponly_and_lax(client, make_user):
    make_user(Role.ORGANISER, "zhangsan")
    response = client.post("/login", data={"username": "zhangsan", "password": "secret-pass-123"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_marks_the_session_cookie_secure():
    import config

    assert config.from_environment({"EVALSITE_ENV": "production"})["SESSION_COOKIE_SECURE"] is True
    assert config.from_environment({})["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_needs_inline_script_or_style(template):
    """What the policy would block: inline scripts, event-handler attributes, style attributes."""
    source = template.read_text(encoding="utf-8")
    # A JSON data block (a chart's figure) is data, not script: the policy lets it be.
    inline = r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>"
    assert not re.search(inline, source), "inline <script>: move it to static/"
    assert not re.search(r"\son[a-z]+\s*=", source, re.I), "on*= handler: use addEventListener in a static file"
    assert not re.search(r"\sstyle\s*=", source, re.I), "style= attribute: use a class in the CSS"
    assert not re.search(r"<style[\s>]", source, re.I), "<style> block: put it in a CSS file"
    assert "javascript:" not in source.lower()


def test_the_policy_names_only_our_origin():
    sources = " ".join(CONTENT_SECURITY_POLICY.values()).split()
    assert set(sources) <= {"'self'", "'none'", "data:"}


def test_a_nul_character_in_a_form_or_query_is_refused_before_any_database_query(client):
    """PostgreSQL refuses NUL in text: without this, a login with one would be a server error."""
    assert client.post("/login", data={"username": "a\x00b", "password": "x" * 12}).status_code == 400
    assert client.get("/r", query_string={"x": "\x00"}).status_code == 400


def test_only_chart_pages_allow_inline_styles_and_scripts_stay_our_own_everywhere(client, session, sign_in):
    ids = scored_campaign(session)
    sign_in(client, Role.LEADER)
    base = f"/results/campaigns/{ids['campaign']}"

    policies = {url: client.get(url).headers["Content-Security-Policy"] for url in (base, f"{base}/charts",
                f"{base}/targets/{ids['targets']['A1']}")}  # fmt: skip

    assert policies[base] == HEADERS["Content-Security-Policy"]
    for url in (f"{base}/charts", f"{base}/targets/{ids['targets']['A1']}"):
        assert policies[url] == CHART_POLICY
        directives = dict(part.split(" ", 1) for part in policies[url].split("; "))
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self' 'unsafe-inline'"
        assert directives["object-src"] == directives["base-uri"] == directives["frame-ancestors"] == "'none'"


def test_a_multipart_part_without_a_name_is_a_bad_request_not_a_server_error(client):
    body = b"--XX\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--XX--\r\n"
    for path in ("/r/submit", "/login"):
        response = client.post(path, data=body, content_type="multipart/form-data; boundary=XX")
        assert response.status_code == 400, path


def cache_control(client, url: str) -> str:
    response = client.get(url)
    response.close()
    return response.headers.get("Cache-Control", "")


def test_signed_in_pages_and_downloads_are_never_stored_and_static_files_still_are(client, session, sign_in):
    ids = scored_campaign(session)
    base = f"/results/campaigns/{ids['campaign']}"
    assert "no-store" not in cache_control(client, "/static/app.css")
    sign_in(client, Role.LEADER)
    for url in (
        "/",
        base,
        f"{base}/targets/{ids['targets']['A1']}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    download = export(client, f"/reports/campaigns/{ids['campaign']}/results.xlsx")  # the file its job made
    assert download.headers["Cache-Control"] == "no-store"
    assert "no-store" not in cache_control(client, "/static/app.css")
    assert "public" in cache_control(client, "/results/assets/plotly.min.js")
    client.post("/logout")
    assert client.get(base).status_code == 302
