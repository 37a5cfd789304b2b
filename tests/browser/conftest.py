"""Real Chromium through Playwright, against the test app served on a free local port.

Skipped as a whole, with the reason, where Chromium or Playwright is missing; the main
conftest turns those skips into failures in CI (LEARNAPP_REQUIRE_ALL=1).
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import chromium_path

HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "browser tests need the playwright package: pip install -e '.[dev]'"
    if chromium_path() is None:
        return "browser tests need Chromium: apt-get install chromium"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if reason is None:
        return
    for item in items:
        if HERE in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def live_server(demo):
    """The test app with the demo accounts, on 127.0.0.1 and a free port."""
    server = make_server("127.0.0.1", 0, demo, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


class StoppableServer:
    """The test app on one fixed port that can be stopped and started again."""

    def __init__(self, app) -> None:
        self.app = app
        self.server = None
        self.thread = None
        self.port = 0

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def server(demo):
    running = StoppableServer(demo)
    running.start()
    yield running
    if running.server is not None:
        running.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def phone_context(browser, *, timeout_ms: int | None = 10_000, **options):
    """A 360x740 browser context that prefers Vietnamese, like a learner's phone."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="vi-VN",
        extra_http_headers={"Accept-Language": "vi"},
        **options,
    )
    if timeout_ms is not None:
        context.set_default_timeout(timeout_ms)
    return context


@pytest.fixture
def phone(browser):
    """A fresh 360x740 phone whose browser prefers Vietnamese."""
    context = phone_context(browser)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base: str, username: str = "learner") -> None:
    """Sign in through the form as a demo account and land on their page (a learner's
    home, a committee member's reports, an admin's administration)."""
    page.goto(base + "/sign-in")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", "learnapp-demo")
    page.click("form[action$='/sign-in'] button[type=submit]")
    page.wait_for_url(lambda url: "/sign-in" not in url)


def page_width(page) -> int:
    """The page's full width in CSS pixels, measured once it has loaded.

    A click that navigates leaves a moment with no document to measure, so the
    measure waits for the load and tries again if a navigation replaced the page
    under it."""
    from playwright.sync_api import Error

    for attempt in range(3):
        page.wait_for_load_state()
        try:
            width = page.evaluate(
                "document.documentElement ? document.documentElement.scrollWidth : null"
            )
        except Error:
            if attempt == 2:
                raise
            continue
        if width is not None:
            return width
    raise AssertionError("the page never had a document to measure")


def fits_phone(page, width: int = 360) -> None:
    """Fail unless the page fits a phone of that width without sideways scrolling."""
    measured = page_width(page)
    assert measured <= width, f"{page.url} is {measured}px wide on a {width}px phone"
