"""Users bound to admin / edit / view / nothing × every route → the expected status, from one table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.api.support import client_with, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

ROLES = ("admin", "edit", "view", None)


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # relative to the session base; "{project}" routes start with "/"
    expected: tuple[int, int, int, int]  # admin, edit, view, no binding
    body: dict[str, Any] = field(default_factory=dict)


# Seeded before each case: `done` (Completed) and `live` (Running).
ROUTES = [
    Route("list", "get", "", (200, 200, 200, 403)),
    Route("create", "post", "", (201, 201, 403, 403), {"initialPrompt": "x"}),
    Route("get", "get", "done", (200, 200, 200, 403)),
    Route("update", "put", "done", (200, 200, 403, 403), {"initialPrompt": "y"}),
    Route("patch", "patch", "done", (200, 200, 403, 403), {"metadata": {"labels": {"a": "b"}}}),
    Route("delete", "delete", "done", (204, 403, 403, 403)),
    Route("clone", "post", "done/clone", (201, 201, 403, 403)),
    Route("start", "post", "done/start", (202, 202, 403, 403)),
    Route("stop", "post", "live/stop", (202, 202, 403, 403)),
    Route("displayname", "put", "done/displayname", (200, 200, 403, 403), {"displayName": "z"}),
    Route("k8s-resources", "get", "done/k8s-resources", (200, 200, 200, 403)),
    Route("status (removed)", "put", "done/status", (410, 410, 410, 410)),
    Route("spawn-content-pod (removed)", "post", "done/spawn-content-pod", (410, 410, 410, 410)),
    Route("content-pod-status (removed)", "get", "done/content-pod-status", (410, 410, 410, 410)),
    Route("content-pod (removed)", "delete", "done/content-pod", (410, 410, 410, 410)),
    Route("project get", "get", "/api/projects/{project}", (200, 200, 200, 403)),
    Route("project delete", "delete", "/api/projects/{project}", (204, 403, 403, 403)),
]

CASES = [
    pytest.param(route, role, expected, id=f"{route.name}-{role or 'none'}")
    for route in ROUTES
    for role, expected in zip(ROLES, route.expected, strict=True)
]


# django_db: the delete route also removes the session's chat history.
@pytest.mark.django_db
@pytest.mark.parametrize(("route", "role", "expected"), CASES)
def test_rbac_matrix(make_user, project, seed_session, route, role, expected):
    seed_session(project, "done", phase="Completed")
    seed_session(project, "live", phase="Running")
    _, token = make_user(role, project)
    if route.path.startswith("/"):
        url = route.path.format(project=project)
    else:
        session, _, suffix = route.path.partition("/")
        url = sessions_url(project, session, suffix)
    response = getattr(client_with(token), route.method)(url, route.body, format="json")
    assert response.status_code == expected, response.content


def test_project_list_shows_only_projects_the_user_can_use(make_user, project):
    for role in ROLES:
        _, token = make_user(role, project)
        response = client_with(token).get("/api/projects")
        assert response.status_code == 200
        visible = project in [item["name"] for item in response.json()["items"]]
        assert visible is (role is not None), role
