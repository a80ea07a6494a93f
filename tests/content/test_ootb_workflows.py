"""Action 34: the catalogue is read with git from a repository (here the local test git server)."""

from __future__ import annotations

import pytest

from gitops.ootb import forget_ootb_workflows
from tests.api.support import client_with

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

URL = "/api/workflows/ootb"


@pytest.fixture
def catalogue(settings, git_repository, git_server):
    """Point the OOTB settings at a fresh repository on the test git server; returns its URL."""
    url = git_repository(
        {
            "workflows/spec-kit/.ambient/ambient.json": '{"name": "Spec Kit", "description": "Plan, then build"}',
            "workflows/spec-kit/.claude/commands/plan.md": "plan\n",
            "workflows/bug-fix/README.md": "no ambient.json\n",
            "workflows/retired/.ambient/ambient.json": '{"name": "Old", "enabled": false}',
            "README.md": "catalogue\n",
        }
    )
    settings.OOTB_WORKFLOWS_REPO = url
    settings.OOTB_WORKFLOWS_BRANCH = "main"
    settings.OOTB_WORKFLOWS_PATH = "workflows"
    settings.GIT_SSL_CA_FILE = str(git_server.ca_path)
    settings.OOTB_WORKFLOWS_GIT_TOKEN = git_server.token
    forget_ootb_workflows()
    yield url
    forget_ootb_workflows()


def test_the_catalogue_lists_each_workflow_directory(admin_token, catalogue):
    response = client_with(admin_token).get(URL)
    assert response.status_code == 200, response.json()
    workflows = {workflow["id"]: workflow for workflow in response.json()["workflows"]}
    assert set(workflows) == {"spec-kit", "bug-fix", "retired"}
    assert workflows["spec-kit"] == {
        "id": "spec-kit",
        "name": "Spec Kit",
        "description": "Plan, then build",
        "gitUrl": catalogue,
        "branch": "main",
        "path": "workflows/spec-kit",
        "enabled": True,
    }
    assert workflows["bug-fix"]["name"] == "Bug Fix"
    assert workflows["retired"]["enabled"] is False


def test_a_stale_catalogue_is_served_when_the_repository_fails(admin_token, catalogue, settings):
    first = client_with(admin_token).get(URL).json()
    settings.OOTB_WORKFLOWS_CACHE_SECONDS = 0
    settings.OOTB_WORKFLOWS_REPO = catalogue.replace(".git", "-gone.git")
    again = client_with(admin_token).get(URL)
    assert again.status_code == 200
    assert again.json() == first


def test_no_catalogue_at_all_is_503(admin_token, settings, git_server):
    settings.OOTB_WORKFLOWS_REPO = git_server.url_for("never-created")
    settings.GIT_SSL_CA_FILE = str(git_server.ca_path)
    forget_ootb_workflows()
    response = client_with(admin_token).get(URL)
    assert response.status_code == 503
    assert response.json()["code"] == "ootb_workflows_unavailable"


@pytest.mark.parametrize("repo", ["ext::sh -c id", "--upload-pack=x", "http://plain.example.com/x.git"])
def test_an_unusable_repository_setting_is_503_not_a_git_call(admin_token, settings, repo):
    settings.OOTB_WORKFLOWS_REPO = repo
    forget_ootb_workflows()
    response = client_with(admin_token).get(URL)
    assert response.status_code == 503
    assert "not usable" in response.json()["error"]


def test_without_a_token_it_is_401(db):
    assert client_with(None).get(URL).status_code == 401
