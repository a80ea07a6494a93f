"""Git actions 19–26 through the api route, the proxy and the real content service, against the git server."""

from __future__ import annotations

import pytest

from tests.api.support import sessions_url
from tests.content.test_content_sync import _sync

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


def test_branches_push_merge_status_synchronize_and_a_conflicting_pull(
    admin_client, project, running_session, content_token, content_process, direct_route, git_repository, git_server
):
    url = git_repository({"README.md": "hello\n"})
    name = url.rsplit("/", 1)[-1].removesuffix(".git")
    session = running_session(project, "s1", repos=[{"url": url, "name": "app"}])
    direct_route(content_process(content_token(project, "s1")))
    _decision, failed = _sync(session)
    assert not failed

    def get(operation: str, **query: str):
        return admin_client.get(sessions_url(project, "s1", f"git/{operation}"), {"path": "repos/app", **query})

    def post(operation: str, **body: str):
        return admin_client.post(
            sessions_url(project, "s1", f"git/{operation}"), {"path": "repos/app", **body}, format="json"
        )

    branches = get("list-branches")
    assert branches.status_code == 200, branches.json()
    assert "main" in branches.json()["branches"]

    created = post("create-branch", branchName="feature")
    assert created.status_code == 200, created.json()
    assert "feature" in git_server.branches(name)

    admin_client.put(sessions_url(project, "s1", "workspace/repos/app/new.txt"), b"new\n", content_type="text/plain")
    status = get("status")
    assert status.json()["hasChanges"] is True
    pushed = post("push", branch="feature", message="add new.txt")
    assert pushed.status_code == 200, pushed.json()
    assert git_server.read_file(name, "new.txt", branch="feature") == b"new\n"

    merge = get("merge-status", branch="main")
    assert merge.status_code == 200, merge.json()
    assert set(merge.json()) >= {"canMergeClean", "localChanges", "remoteCommitsAhead", "conflictingFiles"}

    synced = post("synchronize", branch="feature", message="nothing new")
    assert synced.status_code == 200, synced.json()

    git_server.commit(name, {"README.md": "changed on the remote\n"}, branch="feature")
    admin_client.put(
        sessions_url(project, "s1", "workspace/repos/app/README.md"), b"changed here\n", content_type="text/plain"
    )
    conflict = post("synchronize", branch="feature", message="local change")
    assert conflict.status_code == 409, conflict.json()
    details = conflict.json()["details"]
    assert "README.md" in (details.get("conflictingFiles") or details.get("files") or [])
