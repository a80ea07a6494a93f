"""GitHub actions of a session: a token for its runner (27), push to the output remote (28), diff (29).

Tokens come from `gitops.github.sources` for the session's *verified* user (an unsigned or edited
userContext gets only the project's token); the Secrets and ConfigMap they live in are read with the
control plane's identity, which users and runners do not hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from django.conf import settings

from ambient.content.client import response_json
from ambient.content.names import repo_name
from ambient.contract import ANNOTATION_RUNNER_SA, API_VERSION, KIND
from ambient.exceptions import ApplicationError, Forbidden, InvalidInput, NotFound
from ambient.kube import EVENT, control_plane_gateway
from sessions.auth import Caller
from sessions.services.github_tokens import session_github_token
from sessions.services.workspace import Relayed, session_content_service

KubeObject = dict[str, Any]
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
PUSH_BRANCH_PREFIX = "ambient/"
CODE_NO_GITHUB_TOKEN = "github_token_unavailable"  # noqa: S105 - an error code


def github_token_mint(*, caller: Caller, namespace: str, name: str) -> dict[str, Any]:
    """A GitHub token for the session's own runner (its ServiceAccount, checked with TokenReview)."""
    username = caller.identity().username
    if not username.startswith(SERVICE_ACCOUNT_PREFIX):
        raise Forbidden(
            "Only the session's runner (its ServiceAccount token) may mint GitHub tokens.",
            code="not_a_service_account",
        )
    account_namespace, _, account = username.removeprefix(SERVICE_ACCOUNT_PREFIX).partition(":")
    if account_namespace != namespace:
        raise Forbidden("The ServiceAccount belongs to another project.", code="namespace_mismatch")
    session = control_plane_gateway().session_get(namespace=namespace, name=name)
    annotations = (session.get("metadata") or {}).get("annotations") or {}
    if not account or annotations.get(ANNOTATION_RUNNER_SA) != account:
        raise Forbidden("This ServiceAccount is not the session's runner.", code="not_session_runner")
    found = session_github_token(session)
    if found is None:
        raise NotFound(
            "No GitHub credentials for this session: add the user's token (Secret ambient-github-pat-<user key>), "
            "configure a GitHub App, or set GITHUB_TOKEN in the project's Secret ambient-non-vertex-integrations.",
            code=CODE_NO_GITHUB_TOKEN,
        )
    expires_at = found.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if found.expires_at else None
    return {"token": found.token, "expiresAt": expires_at, "source": found.source}


def _repo_of(session: Mapping[str, Any], *, repo: str | None, index: int | None) -> Mapping[str, Any]:
    repos = list((session.get("spec") or {}).get("repos") or [])
    if repo is not None:
        for entry in repos:
            if repo_name(entry) == repo:
                return entry
        raise NotFound(f"The session has no repository named {repo!r}.", code="repo_not_found")
    if index is None or not 0 <= index < len(repos):
        raise InvalidInput(
            f"repoIndex must point at one of the session's {len(repos)} repositories.",
            code="invalid_input",
            details={"fields": {"repoIndex": ["Out of range."]}},
        )
    return repos[index]


def github_push(
    *,
    caller: Caller,
    namespace: str,
    name: str,
    repo: str | None,
    index: int | None,
    commit_message: str | None,
    branch: str | None,
) -> Relayed:
    """Commit everything in the repo and push it to its output remote (else its own) on `output.branch` or
    `ambient/<session>`; the outcome is also an Event on the session."""
    content = session_content_service(caller=caller, namespace=namespace, name=name)
    content.require_running()
    session = content.session_object
    entry = _repo_of(session, repo=repo, index=index)
    folder = repo_name(entry)
    output = entry.get("output") or {}
    target_branch = branch or output.get("branch") or f"{PUSH_BRANCH_PREFIX}{name}"
    headers = content.git_headers()
    base = f"/repos/{quote(folder, safe='')}/git"
    timeout = settings.CONTENT_SERVICE_GIT_TIMEOUT_SECONDS
    body: KubeObject = {"branch": target_branch}
    if commit_message:
        body["message"] = commit_message
    if output.get("url"):
        body["remoteUrl"] = output["url"]  # pushed there; the clone's origin stays the input repository
    pushed = _relayed(content.request("POST", f"{base}/push", json_body=body, headers=headers, read_timeout=timeout))
    _push_event(session, folder, target_branch, pushed)
    return pushed


def github_diff(*, caller: Caller, namespace: str, name: str, repo: str) -> Relayed:
    """Uncommitted changes of one repository: files and lines added and removed (untracked included)."""
    content = session_content_service(caller=caller, namespace=namespace, name=name)
    content.require_running()
    folder = repo_name(_repo_of(content.session_object, repo=repo, index=None))
    return _relayed(
        content.request(
            "GET",
            f"/repos/{quote(folder, safe='')}/git/diff",
            read_timeout=settings.CONTENT_SERVICE_GIT_TIMEOUT_SECONDS,
        )
    )


def _relayed(response: Any) -> Relayed:
    return Relayed(status=response.status, data=response_json(response))


def _push_event(session: Mapping[str, Any], folder: str, branch: str, outcome: Relayed) -> None:
    """Record the push on the session (kubectl describe shows it); never fails the request."""
    metadata = session.get("metadata") or {}
    ok = outcome.status < 300
    message = (
        f"Pushed repos/{folder} to branch {branch}"
        if ok
        else f"Push of repos/{folder} to branch {branch} failed: {(outcome.data or {}).get('error', outcome.status)}"
    )
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {
        "metadata": {"generateName": f"{metadata.get('name')}-push-"},
        "involvedObject": {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "name": metadata.get("name"),
            "namespace": metadata.get("namespace"),
            "uid": metadata.get("uid"),
        },
        "type": "Normal" if ok else "Warning",
        "reason": "GitPushed" if ok else "GitPushFailed",
        "message": message[:1024],
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
        "source": {"component": "ambient-api"},
    }
    try:
        control_plane_gateway().create(EVENT, str(metadata.get("namespace")), body)
    except ApplicationError:  # an Event is a courtesy; the push already happened
        return
