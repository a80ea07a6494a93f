"""The reconciler's repos and workflow step against a real content service and a real git server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ambient.contract import ConditionStatus, ConditionType
from reconciler.conditions import get_condition
from reconciler.lifecycle import Observed, ReconcileRepos, ReconcileWorkflow
from reconciler.lifecycle.content import desired_repos, desired_workflow
from reconciler.lifecycle.draft import StatusDraft
from reconciler.services.content_sync import (
    ContentOutcome,
    content_sync_finish,
    repos_reconcile,
    workflow_reconcile,
)
from tests.api.support import sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def served_session(project, running_session, content_token, content_process, direct_route):
    """`served_session(name, **spec)` → (session CR, content process): Running, its content service up."""

    def make(name: str, **spec: Any):
        session = running_session(project, name, **spec)
        process = content_process(content_token(project, name))
        direct_route(process)
        return session, process

    return make


def _sync(session: dict[str, Any], *, reconciled: tuple[dict[str, Any], ...] = ()):
    observed = Observed(
        session={**session, "status": {**(session.get("status") or {}), "reconciledRepos": list(reconciled)}}
    )
    outcome = ContentOutcome(generation=observed.generation)
    repos_reconcile(
        session, ReconcileRepos(observed.generation, desired_repos(observed.spec), reconciled), outcome, NOW
    )
    workflow = desired_workflow(observed.spec)
    if workflow is not None:
        workflow_reconcile(session, ReconcileWorkflow(observed.generation, workflow, None), outcome, NOW)
    return content_sync_finish(observed, StatusDraft(observed, NOW).finish(), outcome, NOW)


def test_missing_repos_are_cloned_and_the_sdk_restarted_once(served_session, git_repository):
    first = git_repository({"README.md": "first"})
    second = git_repository({"README.md": "second"}, branch="dev")
    session, process = served_session("s1", repos=[{"url": first}, {"url": second, "branch": "dev", "name": "two"}])

    decision, failed = _sync(session)

    assert not failed
    first_name = first.rsplit("/", 1)[-1].removesuffix(".git")
    assert (process.workspace / "repos" / first_name / "README.md").read_text() == "first"
    assert (process.workspace / "repos" / "two" / "README.md").read_text() == "second"
    repos = decision.status["reconciledRepos"]
    assert [(repo["name"], repo["status"]) for repo in repos] == [(first_name, "Ready"), ("two", "Ready")]
    assert all(repo["clonedAt"] for repo in repos)
    assert decision.status["sdkRestartCount"] == 1
    assert decision.status["observedGeneration"] == session["metadata"]["generation"]
    assert (process.workspace / ".ambient" / "sdk-restart-requested").exists()
    condition = get_condition(decision.status["conditions"], ConditionType.REPOS_RECONCILED)
    assert condition is not None and condition["status"] == ConditionStatus.TRUE


def test_a_failing_clone_is_recorded_and_never_blocks_the_others(served_session, git_repository, git_server):
    good = git_repository({"README.md": "ok"})
    missing = git_server.url_for("does-not-exist")
    session, process = served_session("s1", repos=[{"url": missing, "name": "broken"}, {"url": good, "name": "good"}])

    decision, failed = _sync(session)

    assert failed
    statuses = {repo["name"]: repo for repo in decision.status["reconciledRepos"]}
    assert statuses["good"]["status"] == "Ready"
    assert statuses["broken"]["status"] == "Failed"
    assert statuses["broken"]["message"]
    assert (process.workspace / "repos" / "good" / "README.md").exists()
    condition = get_condition(decision.status["conditions"], ConditionType.REPOS_RECONCILED)
    assert condition is not None
    assert (condition["status"], condition["reason"]) == (ConditionStatus.FALSE, "CloneFailed")
    assert "broken" in condition["message"]
    assert "observedGeneration" not in decision.status


def test_repos_the_spec_dropped_are_removed(served_session, git_repository):
    kept = git_repository({"README.md": "kept"})
    dropped = git_repository({"README.md": "dropped"})
    session, process = served_session("s1", repos=[{"url": kept, "name": "kept"}, {"url": dropped, "name": "dropped"}])
    _sync(session)
    assert (process.workspace / "repos" / "dropped").exists()
    reconciled = (
        {"name": "kept", "url": kept, "status": "Ready", "clonedAt": "2026-12-01T11:00:00Z"},
        {"name": "dropped", "url": dropped, "status": "Ready", "clonedAt": "2026-12-01T11:00:00Z"},
    )
    session["spec"]["repos"] = [{"url": kept, "name": "kept"}]

    decision, failed = _sync(session, reconciled=reconciled)

    assert not failed
    assert not (process.workspace / "repos" / "dropped").exists()
    assert [repo["name"] for repo in decision.status["reconciledRepos"]] == ["kept"]


def test_a_workflow_is_activated_and_its_metadata_served_through_the_api(
    served_session, git_repository, admin_client, project
):
    workflow_url = git_repository(
        {
            "flows/spec/.claude/commands/plan.md": "---\ndisplayName: Plan it\ndescription: Make a plan\n---\nbody\n",
            "flows/spec/.ambient/ambient.json": '{"name": "Spec flow"}',
        }
    )
    session, _process = served_session("s1", activeWorkflow={"gitUrl": workflow_url, "path": "flows/spec"})

    decision, failed = _sync(session)

    assert not failed
    assert decision.status["reconciledWorkflow"]["status"] == "Active"
    assert decision.status["sdkRestartCount"] == 1
    metadata = admin_client.get(sessions_url(project, "s1", "workflow/metadata"))
    assert metadata.status_code == 200, metadata.json()
    assert [command["name"] for command in metadata.json()["commands"]] == ["Plan it"]


def test_files_and_git_through_the_api_and_the_real_content_service(
    served_session, git_repository, admin_client, project
):
    url = git_repository({"README.md": "hello"})
    session, process = served_session("s1", repos=[{"url": url, "name": "app"}])
    _sync(session)
    put = admin_client.put(
        sessions_url(project, "s1", "workspace/repos/app/notes.txt"), b"new file\n", content_type="text/plain"
    )
    assert put.status_code == 200, put.content
    status = admin_client.get(sessions_url(project, "s1", "git/status"), {"path": "repos/app"})
    assert status.status_code == 200, status.json()
    assert status.json()["initialized"] is True
    assert status.json()["hasChanges"] is True
    got = admin_client.get(sessions_url(project, "s1", "workspace/repos/app/README.md"))
    assert b"".join(got.streaming_content) == b"hello"
    escape = admin_client.get(sessions_url(project, "s1", "workspace"), {"path": "repos/app/../../.."})
    assert escape.status_code == 400
