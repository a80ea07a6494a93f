"""The repo, workspace, git, GitHub and workflow routes are in the OpenAPI schema with bodies and errors."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

BASE = "/api/projects/{project}/agentic-sessions/{session}"

# (path, method) → (request body schema expected, status codes documented)
EXPECTED = {
    (f"{BASE}/repos", "post"): ("RepoAdd", {"200", "400", "401", "403", "404", "409"}),
    (f"{BASE}/repos/{{repo}}", "delete"): (None, {"200", "404", "409"}),
    (f"{BASE}/workflow", "post"): ("WorkflowSelect", {"200", "400", "409"}),
    (f"{BASE}/workflow/metadata", "get"): (None, {"200", "409", "503"}),
    (f"{BASE}/workspace", "get"): (None, {"200", "400", "409", "503"}),
    (f"{BASE}/workspace/{{path}}", "get"): (None, {"200", "404", "409", "503"}),
    (f"{BASE}/workspace/{{path}}", "put"): ("binary", {"200", "413", "409", "503"}),
    (f"{BASE}/git/status", "get"): (None, {"200", "400", "409", "503"}),
    (f"{BASE}/git/push", "post"): ("GitPush", {"200", "400", "409", "503"}),
    (f"{BASE}/git/pull", "post"): ("GitPull", {"200", "409"}),
    (f"{BASE}/git/create-branch", "post"): ("GitCreateBranch", {"200", "400"}),
    (f"{BASE}/git/list-branches", "get"): (None, {"200", "503"}),
    (f"{BASE}/git/configure-remote", "post"): ("GitConfigureRemote", {"200", "400"}),
    (f"{BASE}/git/synchronize", "post"): ("GitSynchronize", {"200", "400"}),
    (f"{BASE}/git/merge-status", "get"): (None, {"200", "503"}),
    (f"{BASE}/github/token", "post"): (None, {"200", "401", "403", "404", "502"}),
    (f"{BASE}/github/push", "post"): ("GitHubPush", {"200", "400", "409", "503"}),
    (f"{BASE}/github/diff", "get"): (None, {"200", "404", "503"}),
    ("/api/workflows/ootb", "get"): (None, {"200", "401", "503"}),
}


@pytest.fixture(scope="module")
def schema() -> dict:
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(("route", "method"), sorted(EXPECTED))
def test_route_is_documented(schema, route, method):
    body, codes = EXPECTED[(route, method)]
    operation = schema["paths"][route][method]
    assert codes <= set(operation["responses"]), f"missing {codes - set(operation['responses'])}"
    assert operation.get("summary")
    if body == "binary":
        assert "application/octet-stream" in operation["requestBody"]["content"]
    elif body is not None:
        reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert reference.endswith(f"/{body}"), reference
        assert schema["components"]["schemas"][body]["properties"]
