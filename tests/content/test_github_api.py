"""Actions 27–29: a GitHub token for the session's runner, push to the output remote, diff."""

from __future__ import annotations

import base64
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import kubernetes.client
import pytest

from ambient.contract import ANNOTATION_RUNNER_SA, GROUP, PLURAL, VERSION, service_account_name
from gitops.github.app import installation_token
from gitops.github.sources import PAT_SECRET_PREFIX, user_key
from tests.api.support import client_with, sessions_url
from tests.security.api_support import runner_token

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


@pytest.fixture
def runner_session(django_kube, admin_client, project, kube_sessions):
    """`runner_session(name, **body)` → (session, runner token): created through the api (userContext
    signed for the admin), its runner ServiceAccount named in the runner-sa annotation."""

    def make(name: str, **body: Any) -> tuple[dict[str, Any], str]:
        created = admin_client.post(sessions_url(project), {"name": name, "interactive": True, **body}, format="json")
        assert created.status_code == 201, created.json()
        session = created.json()
        token = runner_token(django_kube, project, session)
        patch = {"metadata": {"annotations": {ANNOTATION_RUNNER_SA: service_account_name(name)}}}
        kube_sessions.patch_namespaced_custom_object(GROUP, VERSION, project, PLURAL, name, patch)
        return session, token

    return make


def _mint(project: str, session: str, token: str | None):
    return client_with(token).post(sessions_url(project, session, "github/token"), {}, format="json")


def test_the_project_token_is_the_last_source(project, runner_session, project_secret):
    project_secret(project, {"GITHUB_TOKEN": "ghp_project"})
    _, token = runner_session("s1")
    response = _mint(project, "s1", token)
    assert response.status_code == 200, response.json()
    assert response.json() == {"token": "ghp_project", "expiresAt": None, "source": "project-secret"}


def test_the_users_pat_comes_first(django_kube, settings, project, runner_session, project_secret, admin_client):
    project_secret(project, {"GITHUB_TOKEN": "ghp_project"})
    session, token = runner_session("s1")
    user = session["spec"]["userContext"]["userId"]
    core = kubernetes.client.CoreV1Api(django_kube.api_client())
    namespace = django_kube.create_namespace("control-")
    settings.CONTROL_PLANE_NAMESPACE = namespace
    secret = {
        "metadata": {"name": PAT_SECRET_PREFIX + user_key(user)},
        "data": {"token": base64.b64encode(b"ghp_user").decode()},
    }
    core.create_namespaced_secret(namespace, kubernetes.client.V1Secret.model_validate(secret))
    response = _mint(project, "s1", token)
    assert response.status_code == 200, response.json()
    assert (response.json()["token"], response.json()["source"]) == ("ghp_user", "user-pat")


def test_a_github_app_installation_token_is_minted_and_reused(project, runner_session, fake_github):
    _, token = runner_session("s1")
    first = _mint(project, "s1", token)
    second = _mint(project, "s1", token)
    assert first.status_code == 200, first.json()
    assert first.json()["source"] == "github-app"
    assert first.json()["token"].startswith("ghs_")
    assert first.json()["expiresAt"]
    assert second.json()["token"] == first.json()["token"]
    assert fake_github.mints == ["77"]


def test_installation_tokens_are_minted_once_under_a_shared_lock(settings, redis_url, fake_github):
    settings.REDIS_URL = redis_url
    settings.RECONCILE_KEY_PREFIX = f"ambient-test-github-{threading.get_ident()}-{id(fake_github)}:"
    fake_github.mint_delay_seconds = 0.3
    barrier = threading.Barrier(10)

    def mint(_: int) -> str:
        barrier.wait()
        return installation_token("91").token

    with ThreadPoolExecutor(max_workers=10) as pool:
        tokens = set(pool.map(mint, range(10)))
    assert len(tokens) == 1
    assert fake_github.mints == ["91"]


def test_a_forged_app_jwt_is_refused_by_github(settings, fake_github):
    from tests.content.fake_github import _private_key_pem

    settings.GITHUB_APP_PRIVATE_KEY = _private_key_pem()[0]  # not the App's key
    with pytest.raises(Exception) as raised:
        installation_token("77")
    assert "refused" in str(raised.value)


def test_only_the_sessions_runner_may_mint(django_kube, project, runner_session, project_secret, admin_token):
    project_secret(project, {"GITHUB_TOKEN": "ghp_project"})
    runner_session("s1")
    _, other_runner = runner_session("s2")
    assert _mint(project, "s1", other_runner).json()["code"] == "not_session_runner"
    assert _mint(project, "s1", other_runner).status_code == 403
    assert _mint(project, "s1", admin_token).json()["code"] == "not_a_service_account"
    assert _mint(project, "s1", None).status_code == 401
    assert _mint(project, "s1", "not-a-token").status_code == 401


def test_a_runner_of_another_project_may_not_mint(django_kube, project, runner_session, admin_client):
    _, token = runner_session("s1")
    other = django_kube.create_namespace("other-")
    response = _mint(other, "s1", token)
    assert response.status_code == 403
    assert response.json()["code"] == "namespace_mismatch"


def test_no_source_is_404_saying_what_to_configure(project, runner_session):
    _, token = runner_session("s1")
    response = _mint(project, "s1", token)
    assert response.status_code == 404
    assert response.json()["code"] == "github_token_unavailable"
    assert "GITHUB_TOKEN" in response.json()["error"]
