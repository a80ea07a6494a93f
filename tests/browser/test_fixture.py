"""The browser fixture itself: Debian's Chromium starts headless, pages are offline, screenshots land."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.support import OfflineGuard, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_login_page_renders_from_the_live_server_with_no_outside_request(
    live_server, page: Page, offline_guard: OfflineGuard, artifacts: Path
) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("input[name=username]").wait_for()
    assert page.locator("input[name=password]").count() == 1
    assert offline_guard.blocked == []
    assert screenshot(page, artifacts, "admin-login").stat().st_size > 0


def test_requests_to_other_hosts_are_aborted_and_recorded(live_server, page: Page, offline_guard: OfflineGuard) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    outcome = page.evaluate("() => fetch('https://cdn.example.com/asset.js').then(() => 'loaded', () => 'refused')")
    assert outcome == "refused"
    assert offline_guard.blocked == ["https://cdn.example.com/asset.js"]
