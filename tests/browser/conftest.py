"""Fixtures for browser tests: Debian's Chromium driven by Playwright's sync API, a phone
context that may only talk to 127.0.0.1, and the app served on a real port from a thread.

Never ``playwright install``: the tests use ``/usr/bin/chromium`` from apt, and fail (not
skip) without it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests.jobs_support import running_worker

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = "iPhone 13"
LOCAL_HOST = "127.0.0.1"


@pytest.fixture(scope="package")
def playwright_driver():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: browser tests need Debian's Chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="package")
def chromium(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser_app(make_app):
    """The app as a phone meets it: CSRF on, since a real browser takes the token from the page."""
    return make_app(SECRET_KEY="browser-test-secret", WTF_CSRF_ENABLED=True)


@pytest.fixture
def live_server(browser_app) -> Iterator[str]:
    """The app on a free port of 127.0.0.1 with a jobs worker beside it, as ``make run`` starts
    them; yields its base URL."""
    with running_worker(browser_app):
        yield from serve(browser_app)


def serve(app) -> Iterator[str]:
    server = make_server(LOCAL_HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://{LOCAL_HOST}:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


class OfflinePhone:
    """A phone-sized page; every request that leaves 127.0.0.1 is aborted and recorded."""

    def __init__(self, context, page) -> None:
        self.context = context
        self.page = page
        self.blocked: list[str] = []
        self.errors: list[str] = []
        #: Console reports of anything the Content-Security-Policy refused.
        self.csp_violations: list[str] = []
        context.route("**/*", self._route)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def _route(self, route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == LOCAL_HOST:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


@pytest.fixture
def phone(playwright_driver, chromium) -> Iterator[OfflinePhone]:
    device = {k: v for k, v in playwright_driver.devices[PHONE].items() if k != "default_browser_type"}
    context = chromium.new_context(**device, locale="zh-CN")
    context.set_default_timeout(10_000)
    try:
        yield OfflinePhone(context, context.new_page())
    finally:
        context.close()


@pytest.fixture
def phone_without_script(playwright_driver, chromium) -> Iterator[OfflinePhone]:
    """The same phone with JavaScript switched off: the code is typed at /r by hand."""
    device = {k: v for k, v in playwright_driver.devices[PHONE].items() if k != "default_browser_type"}
    context = chromium.new_context(**device, locale="zh-CN", java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        yield OfflinePhone(context, context.new_page())
    finally:
        context.close()


@pytest.fixture
def live_server_with_probe(browser_app) -> Iterator[str]:
    """The live server with one extra page carrying an inline script, which the policy must refuse."""

    @browser_app.get("/csp-probe")
    def csp_probe():
        return "<!doctype html><title>probe</title><script>window.injected = 1</script>"

    yield from serve(browser_app)


@pytest.fixture
def desktop(chromium):
    """A desktop page that may only talk to the app, failing the test on any script error."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(f"http://{LOCAL_HOST}") else route.abort(),
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors
