"""Repos and workflow follow the spec through the session's content service.

ReconcileRepos clones what is missing or changed and removes what the spec dropped; one failing
clone is recorded (status Failed with git's message) and never stops the others. ReconcileWorkflow
clones and activates `spec.activeWorkflow`. After the pass's content actions, the runner's SDK is
restarted once if anything in the workspace changed, and the outcome is recorded on top of the
pass's status (`content_sync_finish`); a failure makes the task back off and try again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.conf import settings

from ambient.content.client import ContentService, response_json
from ambient.content.tokens import content_token_read
from ambient.contract import GIT_TOKEN_HEADER
from ambient.exceptions import ApplicationError
from reconciler.lifecycle import Decision, Observed, ReconcileRepos, ReconcileWorkflow
from reconciler.lifecycle.content import (
    REPO_FAILED,
    REPO_READY,
    WORKFLOW_ACTIVE,
    WORKFLOW_FAILED,
    content_sync_recorded,
)
from reconciler.timestamps import format_time

logger = logging.getLogger(__name__)

KubeObject = dict[str, Any]
MESSAGE_MAX_LENGTH = 512


class ContentSyncUnavailable(Exception):
    """The content service could not be asked at all (not ready, unreachable, no token)."""


@dataclass
class ContentOutcome:
    """What this pass did in the workspace; None fields were not touched this pass."""

    generation: int
    repos: list[KubeObject] | None = None
    workflow: KubeObject | None = None
    workflow_touched: bool = False
    changed: bool = False
    failed: list[str] = field(default_factory=list)


def git_headers_of(session: Mapping[str, Any]) -> dict[str, str]:
    """The session user's GitHub token for clones of private repositories (none: anonymous)."""
    # Imported here: it loads PyJWT and the GitHub App client (~0.1 s of CPU at every worker's
    # start), which only a session with repositories to clone needs.
    from sessions.services.github_tokens import session_github_token  # noqa: PLC0415

    try:
        found = session_github_token(session)
    except ApplicationError as error:
        logger.warning("no GitHub token for %s: %s", session["metadata"]["name"], error.message)
        return {}
    return {GIT_TOKEN_HEADER: found.token} if found else {}


def content_service_of(session: Mapping[str, Any]) -> ContentService:
    metadata = session["metadata"]
    return ContentService(
        namespace=str(metadata["namespace"]), session=str(metadata["name"]), token_reader=content_token_read
    )


def _call(
    content: ContentService,
    method: str,
    path: str,
    body: Mapping[str, Any] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, Any]:
    try:
        response = content.request(
            method,
            path,
            json_body=dict(body) if body is not None else None,
            headers=headers,
            read_timeout=settings.CONTENT_SERVICE_CLONE_TIMEOUT_SECONDS,
        )
    except ApplicationError as error:
        raise ContentSyncUnavailable(error.message) from error
    return response.status, response_json(response)


def _error_text(answer: Any, status: int) -> str:
    if isinstance(answer, Mapping) and answer.get("error"):
        return str(answer["error"])[:MESSAGE_MAX_LENGTH]
    return f"the content service answered {status}"


def _repo_key(repo: Mapping[str, Any]) -> tuple[str, str]:
    return (str(repo.get("url") or ""), str(repo.get("branch") or ""))


def repos_reconcile(session: Mapping[str, Any], action: ReconcileRepos, outcome: ContentOutcome, now: datetime) -> None:
    content = content_service_of(session)
    reconciled = {str(repo.get("name")): dict(repo) for repo in action.reconciled}
    desired_names = {str(repo["name"]) for repo in action.desired}
    for name in reconciled:
        if name in desired_names:
            continue
        status, answer = _call(content, "DELETE", f"/repos/{quote(name, safe='')}")
        if status >= 400 and status != 404:
            outcome.failed.append(name)
            logger.warning("removing repo %s of %s failed: %s", name, content.session, _error_text(answer, status))
        outcome.changed = True
    entries: list[KubeObject] = []
    headers = git_headers_of(session)
    for wanted in action.desired:
        name = str(wanted["name"])
        previous = reconciled.get(name)
        if previous and previous.get("status") == REPO_READY and _repo_key(previous) == _repo_key(wanted):
            entries.append(previous)
            continue
        if previous and _repo_key(previous) != _repo_key(wanted) and previous.get("status") == REPO_READY:
            # Another URL or branch under the same name: start from a clean clone.
            _call(content, "DELETE", f"/repos/{quote(name, safe='')}")
        body = {"url": wanted["url"], "name": name, **({"branch": wanted["branch"]} if wanted.get("branch") else {})}
        status, answer = _call(content, "POST", "/repos/clone", body, headers=headers)
        entry: KubeObject = {
            "name": name,
            "url": wanted["url"],
            **({"branch": wanted["branch"]} if wanted.get("branch") else {}),
        }
        if status < 300:
            entry.update(status=REPO_READY, clonedAt=format_time(now))
            outcome.changed = True
        else:
            entry.update(status=REPO_FAILED, message=_error_text(answer, status))
            outcome.failed.append(name)
        entries.append(entry)
    outcome.repos = entries


def workflow_reconcile(
    session: Mapping[str, Any], action: ReconcileWorkflow, outcome: ContentOutcome, now: datetime
) -> None:
    content = content_service_of(session)
    outcome.workflow_touched = True
    wanted = action.desired
    if wanted is None:
        outcome.workflow = None
        return
    status, answer = _call(content, "POST", "/workflows/clone", dict(wanted), headers=git_headers_of(session))
    entry: KubeObject = dict(wanted)
    if status < 300:
        entry.update(status=WORKFLOW_ACTIVE, appliedAt=format_time(now))
        outcome.changed = True
    else:
        entry.update(status=WORKFLOW_FAILED, message=_error_text(answer, status))
        outcome.failed.append("workflow")
    outcome.workflow = entry


def sdk_restart(content: ContentService) -> None:
    status, answer = _call(content, "POST", "/sdk/restart", {})
    if status >= 300:
        raise ContentSyncUnavailable(f"SDK restart refused: {_error_text(answer, status)}")


def content_sync_finish(
    observed: Observed, decision: Decision, outcome: ContentOutcome, now: datetime
) -> tuple[Decision, bool]:
    """Restart the SDK once if the workspace changed, and record the outcome; → (decision, failed).

    When the restart cannot be asked for, nothing is recorded: the next pass clones again (an
    existing clone is only fetched) and asks again.
    """
    restarted = False
    if outcome.changed:
        try:
            sdk_restart(content_service_of(observed.session))
            restarted = True
        except ContentSyncUnavailable as error:
            logger.warning("SDK restart of %s failed: %s", observed.name, error)
            return decision, True
    status = observed.status
    repos = outcome.repos if outcome.repos is not None else list(status.get("reconciledRepos") or [])
    workflow = outcome.workflow if outcome.workflow_touched else status.get("reconciledWorkflow")
    recorded = content_sync_recorded(
        observed,
        decision,
        generation=outcome.generation,
        repos=repos,
        workflow=workflow,
        sdk_restarted=restarted,
        now=now,
    )
    return recorded, bool(outcome.failed)
