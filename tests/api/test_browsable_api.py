"""The API answers in its JSON error shape (or the browsable API's readable page) in every settings mode:
authentication failures are 401 (never a 500 or a debug traceback), unknown paths, oversized bodies and
wrong methods are JSON, removed endpoints are not offered, and POST actions get forms."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponseBadRequest
from django.test import Client

from ambient.error_pages import ApiErrorMiddleware
from tests.api.support import bind, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration, pytest.mark.django_db]

HTML = "text/html"
TEN_MB = 10 * 1024 * 1024
SETTINGS_MODES = [pytest.param(False, id="debug-off"), pytest.param(True, id="debug-on")]
# What Django's debug page and a Python traceback show (the browsable API's CSS names "Generic.Traceback").
TRACEBACK_MARKS = (b"Traceback (most recent call last)", b"Exception Value", b"Request Method:")


def shows_no_traceback(body: bytes) -> bool:
    return not any(mark in body for mark in TRACEBACK_MARKS)


@pytest.fixture
def plain_client() -> Client:
    # Failures must come back as responses: a raised exception here would be a 500 in production.
    return Client(raise_request_exception=False)


@pytest.fixture
def staff_client(django_kube, project) -> Client:
    user = get_user_model().objects.create_user("browser", password="pw", is_staff=True)
    bind(django_kube, project, "browser", "admin")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("debug", SETTINGS_MODES)
@pytest.mark.parametrize("path", ["/api/", "/api/projects", "/api/projects/some-project/agentic-sessions"])
def test_no_credentials_is_401_json_for_clients_and_a_login_link_in_the_browser(plain_client, settings, debug, path):
    settings.DEBUG = debug
    as_json = plain_client.get(path, HTTP_ACCEPT="application/json")
    assert as_json.status_code == 401
    assert as_json.json()["code"] == "unauthenticated"
    assert as_json["WWW-Authenticate"] == 'Bearer realm="api"'
    page = plain_client.get(path, HTTP_ACCEPT=HTML)
    assert page.status_code == 401
    assert page["Content-Type"].startswith(HTML)
    assert "/api-auth/login/" in page.content.decode()
    assert shows_no_traceback(page.content)


@pytest.mark.parametrize("debug", SETTINGS_MODES)
@pytest.mark.parametrize("path", ["/api/", "/api/projects", "/api/workflows/ootb"])
def test_an_invalid_token_is_401_everywhere_the_api_root_included(plain_client, django_kube, settings, debug, path):
    settings.DEBUG = debug
    for accept in ("application/json", HTML):
        response = plain_client.get(path, HTTP_ACCEPT=accept, HTTP_AUTHORIZATION="Bearer not-a-real-token")
        assert response.status_code == 401, (path, accept)
        assert shows_no_traceback(response.content)
    detail = plain_client.get(path, HTTP_AUTHORIZATION="Bearer not-a-real-token").json()
    assert detail["error"] == "The bearer token was not accepted by the Kubernetes API server."


@pytest.mark.parametrize("debug", SETTINGS_MODES)
def test_unknown_api_paths_are_json_404(plain_client, settings, debug):
    settings.DEBUG = debug
    response = plain_client.get("/api/no/such/route", HTTP_ACCEPT=HTML)
    assert response.status_code == 404
    assert response.json() == {
        "error": "No API endpoint at /api/no/such/route; see /api/docs/ for the routes.",
        "code": "not_found",
        "details": {},
    }


@pytest.mark.parametrize("debug", SETTINGS_MODES)
def test_a_ten_megabyte_body_is_413_json(plain_client, project, admin_token, settings, debug):
    settings.DEBUG = debug
    response = plain_client.post(
        sessions_url(project),
        data=b"[" + b"1," * (TEN_MB // 2) + b"1]",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {admin_token}",
    )
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "payload_too_large"
    assert "send less" in body["error"]


def test_django_s_bare_400_for_an_oversized_body_becomes_413_json(rf):
    # Django answers a body over DATA_UPLOAD_MAX_MEMORY_SIZE read outside a view with a bare 400 page.
    request = rf.post("/api/projects", data=b"x", content_type="application/x-www-form-urlencoded")
    request.META["CONTENT_LENGTH"] = str(TEN_MB)
    middleware = ApiErrorMiddleware(lambda _: HttpResponseBadRequest("<h1>Bad Request (400)</h1>"))
    response = middleware(request)
    assert response.status_code == 413
    assert json.loads(response.content)["code"] == "payload_too_large"


def test_pages_outside_the_api_keep_django_s_answers(rf):
    request = rf.get("/admin/nowhere")
    middleware = ApiErrorMiddleware(lambda _: HttpResponseBadRequest("<h1>Bad Request (400)</h1>"))
    assert middleware(request)["Content-Type"].startswith(HTML)


@pytest.mark.parametrize("debug", SETTINGS_MODES)
def test_method_not_allowed_is_json(plain_client, admin_token, settings, debug):
    settings.DEBUG = debug
    response = plain_client.delete("/api/", HTTP_AUTHORIZATION=f"Bearer {admin_token}")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_removed_endpoints_answer_410_but_are_not_offered_as_actions(staff_client, project, seed_session):
    seed_session(project, "kept", phase="Completed")
    page = staff_client.get(sessions_url(project, "kept"), HTTP_ACCEPT=HTML)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Extra Actions" in body
    assert "K8s resources" in body
    assert "removed" not in body.lower().split("extra actions", 1)[1].split("</ul>", 1)[0]
    gone = staff_client.post(sessions_url(project, "kept", "spawn-content-pod"), HTTP_ACCEPT="application/json")
    assert gone.status_code == 410


def test_post_actions_get_a_form_for_their_own_body(staff_client, project, seed_session):
    seed_session(project, "formed", phase="Running")
    repos = staff_client.get(sessions_url(project, "formed", "repos"), HTTP_ACCEPT=HTML)
    assert repos.status_code == 405  # POST only; the page offers the POST form, its JSON body prefilled
    assert "&quot;url&quot;: &quot;&quot;" in repos.content.decode()
    start = staff_client.get(sessions_url(project, "formed", "start"), HTTP_ACCEPT=HTML)
    assert f'action="{sessions_url(project, "formed", "start")}" method="POST"' in start.content.decode()
    rename = staff_client.get(sessions_url(project, "formed", "displayname"), HTTP_ACCEPT=HTML)
    assert "&quot;displayName&quot;" in rename.content.decode()
    projects = staff_client.get("/api/projects", HTTP_ACCEPT=HTML)
    assert "&quot;name&quot;: &quot;&quot;" in projects.content.decode()


def test_error_bodies_are_readable_in_the_browser(staff_client, project):
    missing = staff_client.get(sessions_url(project, "no-such-session"), HTTP_ACCEPT=HTML)
    assert missing.status_code == 404
    assert "not_found" in missing.content.decode()
    assert shows_no_traceback(missing.content)


def test_a_bad_project_name_is_400_in_the_browser_too(staff_client):
    page = staff_client.get(sessions_url("Not_A_Label"), HTTP_ACCEPT=HTML)
    assert page.status_code == 400
    assert "invalid_project" in page.content.decode()
