"""A bad workspace path is refused with one message per problem (DRF's own NUL check would add a second)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from sessions.serializers.content import WorkspaceListQuerySerializer
from tests.api.support import sessions_url

pytestmark = [pytest.mark.localkube]


@pytest.mark.parametrize(
    ("path", "query"),
    [("workspace/a%00b", None), ("workspace", {"path": "a\x00b"}), ("workspace", {"path": "a\nb"})],
    ids=["nul-in-url", "nul-in-query", "newline-in-query"],
)
def test_a_control_character_in_a_workspace_path_is_one_message(
    project: str,
    admin_client: APIClient,
    seed_session: Callable[..., dict[str, Any]],
    path: str,
    query: dict[str, str] | None,
) -> None:
    seed_session(project, "s1", phase="Running")

    response = admin_client.get(sessions_url(project, "s1", path), query)

    assert response.status_code == 400, response.content
    messages = response.json()["details"]["fields"]["path"]
    assert len(messages) == 1 and "control characters" in messages[0], messages


def test_a_plain_path_passes_and_other_problems_keep_their_message() -> None:
    assert WorkspaceListQuerySerializer(data={"path": "artifacts/report.md"}).is_valid()
    refused = WorkspaceListQuerySerializer(data={"path": "../x"})
    assert not refused.is_valid()
    assert refused.errors["path"] == ["Use a path relative to the workspace, without '..'."]
