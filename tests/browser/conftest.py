"""Browser fixtures: one headless Chromium per test module, a fresh context and page per test.

`page` is offline by default: every request to a host other than this machine is aborted and
recorded in `offline_guard.blocked`, so a test proves a page works without the internet.
Screenshots go to `artifacts` (a folder per test under .ambient/test-artifacts/browser/); a
failing test also leaves `failure.png` there.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.browser.support import (
    DEFAULT_TIMEOUT_MS,
    OfflineGuard,
    artifact_directory,
    chromium_missing_reason,
    chromium_path,
    launch_chromium,
    screenshot,
)

BROWSER_DIRECTORY = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Each module launches Chromium and Playwright's node driver (~8 s of CPU on this machine, more
    # than the rest of a module's tests): they run in `make test`, not the fast lane, where
    # tests/api/test_browsable_api.py and tests/api/test_docs_pages.py check the same pages' HTML.
    for item in items:
        if item.path.is_relative_to(BROWSER_DIRECTORY):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Keep each phase's report on the item, so `page` knows after the test whether it failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# Module scope, not session: while Playwright's sync driver is alive its event loop runs in this
# thread, so every later test on the same xdist worker that calls asyncio.run() would fail.
@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    executable = chromium_path()
    if executable is None:
        pytest.skip(chromium_missing_reason())
    # Playwright's sync API runs its own event loop in this thread, which Django's ORM guard takes
    # for an async context; tests touch the database only between browser calls, never inside one.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    executable = chromium_path()
    assert executable is not None
    chromium = launch_chromium(playwright_driver, executable)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """This test's artifact folder (screenshots)."""
    return artifact_directory(request.node.nodeid)


@pytest.fixture
def offline_guard() -> OfflineGuard:
    return OfflineGuard()


@pytest.fixture
def browser_context(browser: Browser, offline_guard: OfflineGuard) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, ignore_https_errors=True)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.route("**/*", offline_guard)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser_context: BrowserContext, artifacts: Path, request: pytest.FixtureRequest) -> Iterator[Page]:
    tab = browser_context.new_page()
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not tab.is_closed():
        screenshot(tab, artifacts, "failure")
