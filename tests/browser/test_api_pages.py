"""The API's own pages in headless Chromium, offline: the browsable API logged out (a login link, no
traceback), the browsable API reached from the admin as a staff user, and the OpenAPI docs (Swagger UI
and ReDoc) rendering their operation lists with nothing fetched from outside this machine."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page

from tests.api.support import bind, sessions_url
from tests.browser.support import OfflineGuard, screenshot

pytestmark = [pytest.mark.localkube, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# What Django's debug page and a Python traceback show.
TRACEBACK_MARKS = ("Traceback (most recent call last)", "Exception Value", "Request Method:")
# Operations the schema documents; the docs pages must list at least these many.
MIN_OPERATIONS = 40


def assert_no_traceback(page: Page) -> None:
    text = page.content()
    for mark in TRACEBACK_MARKS:
        assert mark not in text


def test_api_root_logged_out_shows_a_login_link_and_no_traceback(
    live_server, page: Page, offline_guard: OfflineGuard, artifacts: Path
) -> None:
    response = page.goto(f"{live_server.url}/api/")
    assert response is not None and response.status == 401
    login = page.locator('a[href*="/api-auth/login/"]')
    assert login.count() >= 1
    assert "Send a Kubernetes bearer token" in page.content()
    assert_no_traceback(page)
    screenshot(page, artifacts, "api-root-logged-out")
    login.first.click()
    page.locator("input[name=username]").wait_for()
    assert offline_guard.blocked == []


def test_an_invalid_token_shows_401_in_the_browser(
    live_server, django_kube, page: Page, offline_guard: OfflineGuard
) -> None:
    page.set_extra_http_headers({"Authorization": "Bearer not-a-real-token"})
    for path in ("/api/", "/api/projects"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 401
        assert "The bearer token was not accepted" in page.content()
        assert_no_traceback(page)
    assert offline_guard.blocked == []


def test_staff_reach_the_browsable_api_from_the_admin_and_see_a_session_with_its_forms(
    live_server, django_kube, project, seed_session, page: Page, offline_guard: OfflineGuard, artifacts: Path
) -> None:
    get_user_model().objects.create_user("browser-staff", password="pw-browser-staff", is_staff=True)
    bind(django_kube, project, "browser-staff", "admin")
    seed_session(project, "seen-in-browser", phase="Completed")
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.locator("input[name=username]").fill("browser-staff")
    page.locator("input[name=password]").fill("pw-browser-staff")
    page.locator("input[type=submit]").click()
    page.get_by_role("link", name="Browsable API").click()
    page.wait_for_url(f"{live_server.url}/api/")
    assert "projects" in page.content()
    page.goto(f"{live_server.url}{sessions_url(project, 'seen-in-browser')}")
    page.get_by_role("button", name="Extra Actions").click()
    menu = page.locator(".dropdown-menu").filter(has_text="K8s resources")
    assert "removed" not in menu.inner_text().lower()
    screenshot(page, artifacts, "session-in-browsable-api")
    page.get_by_role("link", name="Stop").click()
    page.locator("form[method=POST] button", has_text="POST").first.click()
    page.locator("text=HTTP 409").wait_for()  # a finished session cannot stop: the API's refusal, readable
    assert "Conflict" in page.content() or "409" in page.content()
    assert_no_traceback(page)
    assert offline_guard.blocked == []


def test_swagger_ui_lists_the_operations_offline(
    live_server, page: Page, offline_guard: OfflineGuard, artifacts: Path
) -> None:
    page.goto(f"{live_server.url}/api/docs/")
    operations = page.locator(".opblock")
    operations.first.wait_for()
    assert operations.count() >= MIN_OPERATIONS
    assert page.get_by_text("Create a session").count() >= 1
    screenshot(page, artifacts, "swagger-ui")
    assert offline_guard.blocked == []


def test_redoc_lists_the_operations_offline(
    live_server, page: Page, offline_guard: OfflineGuard, artifacts: Path
) -> None:
    page.goto(f"{live_server.url}/api/redoc/")
    page.locator("h2", has_text="Create a session").first.wait_for()
    assert page.locator("[data-section-id^='operation/']").count() >= MIN_OPERATIONS
    screenshot(page, artifacts, "redoc", full_page=False)
    assert offline_guard.blocked == []
