"""Browser tests: Debian's chromium, driven through Playwright's sync API, against ``live_server``.

One chromium for the whole session (starting it is the slow part); every test, and every person
within a test, gets a fresh browser context, so nobody shares cookies with anybody else.

Without Debian's chromium the tests skip and say why; ``make browsers`` installs it. Playwright's
own browser downloads are never used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}  # the phone every phone-sized test uses
PASSWORD = "pw"  # what tests.complaints.factories.staff() gives every user
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def _orm_next_to_playwright() -> Iterator[None]:
    """Let the test thread use the ORM while Playwright's sync API is running.

    Playwright's sync API keeps an asyncio event loop running in the test's thread, and Django's
    ORM refuses to run in a thread with a running loop (``SynchronousOnlyOperation``), although
    nothing here is asynchronous: the calls still happen one after another. The switch is set
    only while the browser is up and restored afterwards.
    """
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="session")
def _media_url_for_live_server() -> Iterator[None]:
    """Give ``MEDIA_URL`` a value the live server's media handler can parse, and that serves nothing.

    ``config/settings.py`` sets ``MEDIA_URL = None`` (attachments are served only through a view
    that checks who asks). Django's live server wraps the site in a media-file handler that
    parses ``MEDIA_URL``: ``urlparse(None)`` gives bytes, and every request then fails with
    ``TypeError: startswith first arg must be str ... not bytes`` (a bare 500). A URL on another
    host makes that handler step aside for every path, so attachments stay behind their view.
    """
    from django.test.utils import override_settings

    with override_settings(MEDIA_URL="http://media.invalid/"):
        yield


@pytest.fixture(scope="session")
def live_server(_media_url_for_live_server, live_server):
    """pytest-django's live server, started only once ``MEDIA_URL`` can be parsed."""
    return live_server


@pytest.fixture(scope="session")
def chromium(_orm_next_to_playwright):
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium not installed: run `make browsers`")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's event loop stays marked as running in this thread, and Django's connection
    # store (asgiref's Local) then switches to per-context storage: the test thread would get
    # new connection objects, without the copy of the migrations' rows that serialized_rollback
    # restores from when the database was set up by earlier, non-browser tests. The seeded
    # groups would then be missing from the second browser test on. Keep the same connections.
    before = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    for alias, connection in before.items():
        connections[alias] = connection
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(chromium) -> Iterator[Callable[[], object]]:
    """``new_page()``: a page in a fresh context (no cookies), closed after the test."""
    contexts = []

    def _new():
        context = chromium.new_context(viewport=VIEWPORT, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _new
    for context in contexts:
        context.close()


@pytest.fixture
def log_in(new_page, live_server) -> Callable[..., object]:
    """``log_in(user)``: a page of a fresh browser logged in through the real login page."""
    from playwright.sync_api import expect

    def _log_in(user, password: str = PASSWORD):
        page = new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.press("#id_password", "Enter")
        expect(page.get_by_test_id("current-user")).to_be_visible()
        return page

    return _log_in


@pytest.fixture
def phone_page(chromium, live_server) -> Iterator[Callable[..., object]]:
    """``phone_page(lang)``: a page of a fresh phone-sized touch screen (no session), in
    Chinese unless ``lang`` says otherwise; closed after the test."""
    contexts = []

    def _open(lang: str = "zh-hans"):
        context = chromium.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
        )
        context.set_default_timeout(TIMEOUT_MS)
        if lang != "zh-hans":
            context.add_cookies(
                [{"name": "django_language", "value": lang, "url": live_server.url}]
            )
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def fits_the_screen(page) -> None:
    """Nothing wider than the screen: no scrolling sideways."""
    page.wait_for_load_state("load")
    width, screen = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= screen, f"{page.url}: {width} px wide on a {screen} px screen"
