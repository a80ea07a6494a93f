"""Repos, workflow, workspace and git actions of a session (13–26, 33), mixed into SessionViewSet.

Spec writes (repos, workflow) need `update` on the session; proxied reads need `get`, proxied
writes `update` (SelfSubjectAccessReview, by `CONTENT_SESSION_VERBS`). Each action: validate,
call one service, answer.
"""

from __future__ import annotations

import functools
from typing import Any

from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from sessions.auth import caller_of
from sessions.serializers.content import (
    GitBranchesSerializer,
    GitConfigureRemoteSerializer,
    GitCreateBranchSerializer,
    GitMergeStatusQuerySerializer,
    GitMergeStatusSerializer,
    GitPathQuerySerializer,
    GitPullSerializer,
    GitPushSerializer,
    GitResultSerializer,
    GitStatusSerializer,
    GitSynchronizeSerializer,
    MessageSerializer,
    RepoAddedSerializer,
    RepoAddSerializer,
    SessionChangedSerializer,
    WorkflowMetadataSerializer,
    WorkflowSelectSerializer,
    WorkspaceListQuerySerializer,
    WorkspaceListSerializer,
)
from sessions.services import repos as repo_services
from sessions.services import workspace as workspace_services
from sessions.views.common import error_responses

# The Kubernetes verb each action needs on the session (SelfSubjectAccessReview).
CONTENT_SESSION_VERBS: dict[str, str] = {
    "repos": "update",
    "repo_remove": "update",
    "workflow": "update",
    "workflow_metadata": "get",
    "workspace": "get",
    "workspace_file": "get",
    "workspace_file_put": "update",
    "git_status": "get",
    "git_list_branches": "get",
    "git_merge_status": "get",
    "git_push": "update",
    "git_pull": "update",
    "git_create_branch": "update",
    "git_configure_remote": "update",
    "git_synchronize": "update",
}
SPEC_WRITE_ERRORS = (400, 401, 403, 404, 409)
PROXY_READ_ERRORS = (400, 401, 403, 404, 409, 503)
PROXY_WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 503)
UPLOAD_CHUNK_BYTES = 64 * 1024


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data if data is not None else {})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _relayed(relayed: workspace_services.Relayed) -> Response:
    return Response(relayed.data, status=relayed.status)


def _content(request: Request, project: str, session: str) -> Any:
    return workspace_services.session_content_service(caller=caller_of(request), namespace=project, name=session)


# The path field of the workspace query serializer, built once: building the serializer for every
# request (a deep copy of its fields) cost about a sixth of the async file GET's CPU.
_PATH_FIELD = WorkspaceListQuerySerializer().fields["path"]


def path_argument(path: str) -> str:
    """A workspace path from the URL, checked by the query serializer's `path` field: its rules, messages
    and 400 shape (`{"path": [...]}`), as validating `{"path": path}` with the whole serializer gives."""
    try:
        return _accepted_path(path)
    except serializers.ValidationError as problem:
        raise serializers.ValidationError({"path": problem.detail}) from None


@functools.lru_cache(maxsize=1024)
def _accepted_path(path: str) -> str:
    # The rules depend on the string alone, and a client reads the same few files again and again: an
    # accepted path is remembered (a refused one raises, which is never cached, and is checked each time).
    return str(_PATH_FIELD.run_validation(path))


class SessionContentActions:
    """Actions 13–26 and 33 (see API.md)."""

    # --- Spec: repos and workflow (13–15) ------------------------------------------------------

    @extend_schema(
        summary="Add a repository to a running session",
        request=RepoAddSerializer,
        responses={200: RepoAddedSerializer, **error_responses(*SPEC_WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"], url_path="repos")
    def repos(self, request: Request, project: str, session: str) -> Response:
        """Append `{url, branch?, name?, output?, autoPush?}` to `spec.repos`; the reconciler clones it into
        `repos/<name>` and restarts the agent. The session must be Running and interactive (409 otherwise);
        a repository of the same name → 409 `repo_exists`.
        """
        data = validated(RepoAddSerializer, request.data)
        name, updated = repo_services.session_repo_add(
            caller=caller_of(request), namespace=project, name=session, repo=data
        )
        return Response(
            {"message": f"Repository {name!r} added; it is cloned shortly.", "name": name, "session": updated}
        )

    @extend_schema(
        summary="Remove a repository from a running session",
        request=None,
        responses={200: SessionChangedSerializer, **error_responses(*SPEC_WRITE_ERRORS)},
    )
    @action(detail=True, methods=["delete"], url_path=r"repos/(?P<repo>[^/]+)")
    def repo_remove(self, request: Request, project: str, session: str, repo: str) -> Response:
        """Drop the repository named `repo` from `spec.repos` (404 if absent; 409 unless Running); the
        reconciler removes `repos/<repo>` from the workspace."""
        updated = repo_services.session_repo_remove(
            caller=caller_of(request), namespace=project, name=session, repo=repo
        )
        return Response({"message": f"Repository {repo!r} removed.", "session": updated})

    @extend_schema(
        summary="Switch a running session's workflow",
        request=WorkflowSelectSerializer,
        responses={200: SessionChangedSerializer, **error_responses(*SPEC_WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"], url_path="workflow")
    def workflow(self, request: Request, project: str, session: str) -> Response:
        """Set `spec.activeWorkflow` to `{gitUrl, branch?, path?}` (409 unless Running); the reconciler
        clones it into `workflows/` and makes it active."""
        data = validated(WorkflowSelectSerializer, request.data)
        updated = repo_services.session_workflow_set(
            caller=caller_of(request), namespace=project, name=session, workflow=data
        )
        return Response({"message": "Workflow updated; it is activated shortly.", "session": updated})

    @extend_schema(
        summary="The active workflow's commands, agents and config",
        responses={200: WorkflowMetadataSerializer, **error_responses(*PROXY_READ_ERRORS)},
    )
    @action(detail=True, methods=["get"], url_path="workflow/metadata")
    def workflow_metadata(self, request: Request, project: str, session: str) -> Response:
        """Slash commands (`.claude/commands/*.md`), agents (`.claude/agents/*.md`) and `.ambient/ambient.json`
        of the active workflow, read by the session's content service."""
        return _relayed(workspace_services.workflow_metadata(content=_content(request, project, session)))

    # --- Workspace files (16–18) ---------------------------------------------------------------

    @extend_schema(
        summary="List a workspace directory",
        parameters=[WorkspaceListQuerySerializer],
        responses={200: WorkspaceListSerializer, **error_responses(*PROXY_READ_ERRORS)},
    )
    @action(detail=True, methods=["get"], url_path="workspace")
    def workspace(self, request: Request, project: str, session: str) -> Response:
        """Entries of `path` (workspace-relative; the root when omitted): name, path, isDir, size, modifiedAt."""
        query = validated(WorkspaceListQuerySerializer, request.query_params)
        content = _content(request, project, session)
        return _relayed(workspace_services.workspace_list(content=content, path=query["path"]))

    @extend_schema(
        methods=["GET"],
        operation_id="projects_agentic_sessions_workspace_file_retrieve",
        summary="Download a workspace file",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file's bytes."),
            **error_responses(*PROXY_READ_ERRORS),
        },
    )
    @action(detail=True, methods=["get"], url_path=r"workspace/(?P<path>.+)")
    def workspace_file(self, request: Request, project: str, session: str, path: str) -> HttpResponseBase:
        """The file's bytes, streamed (never held whole by the api), with a guessed content type."""
        path = path_argument(path)
        content = _content(request, project, session)
        answer = workspace_services.workspace_file_get(content=content, path=path)
        if isinstance(answer, workspace_services.Relayed):
            return _relayed(answer)
        # Under ASGI (uvicorn) the body must be an async iterator, or Django reads it whole first.
        body = answer.async_chunks() if isinstance(request._request, ASGIRequest) else answer.chunks()
        response = StreamingHttpResponse(body, status=answer.status, content_type=answer.content_type)
        if answer.content_length is not None:
            response["Content-Length"] = answer.content_length
        return response

    @extend_schema(
        methods=["PUT"],
        operation_id="projects_agentic_sessions_workspace_file_update",
        summary="Write a workspace file",
        request={"application/octet-stream": OpenApiTypes.BINARY},
        parameters=[OpenApiParameter("path", str, OpenApiParameter.PATH)],
        responses={200: MessageSerializer, **error_responses(*PROXY_WRITE_ERRORS)},
    )
    @workspace_file.mapping.put
    def workspace_file_put(self, request: Request, project: str, session: str, path: str) -> Response:
        """Write the raw request body to the file (binary-safe; parent directories are created)."""
        path = path_argument(path)
        content = _content(request, project, session)
        django_request = request._request
        raw_length = django_request.META.get("CONTENT_LENGTH") or ""
        length = int(raw_length) if raw_length.isdigit() else None
        chunks = iter(lambda: django_request.read(UPLOAD_CHUNK_BYTES), b"")
        # Without a Content-Length (a chunked upload) the body goes on chunked too.
        relayed = workspace_services.workspace_file_put(
            content=content,
            path=path,
            body=b"" if length == 0 else chunks,
            length=length,
            content_type=django_request.META.get("CONTENT_TYPE") or "",
        )
        return _relayed(relayed)

    # --- Git on a workspace directory (19–26) --------------------------------------------------

    def _git_read(self, request: Request, project: str, session: str, operation: str, query_class: Any) -> Response:
        query = validated(query_class, request.query_params)
        content = _content(request, project, session)
        params = {key: str(value) for key, value in query.items() if value not in (None, "")}
        return _relayed(workspace_services.git_read(content=content, operation=operation, params=params))

    def _git_write(self, request: Request, project: str, session: str, operation: str, body_class: Any) -> Response:
        body = validated(body_class, request.data)
        content = _content(request, project, session)
        return _relayed(workspace_services.git_write(content=content, operation=operation, body=body))

    @extend_schema(
        summary="Git status of a workspace directory",
        parameters=[GitPathQuerySerializer],
        responses={200: GitStatusSerializer, **error_responses(*PROXY_READ_ERRORS)},
    )
    @action(detail=True, methods=["get"], url_path="git/status")
    def git_status(self, request: Request, project: str, session: str) -> Response:
        """Whether `path` is a git repository, its branch and remote, and its uncommitted changes."""
        return self._git_read(request, project, session, "status", GitPathQuerySerializer)

    @extend_schema(
        summary="Branches of a workspace directory's remote",
        parameters=[GitPathQuerySerializer],
        responses={200: GitBranchesSerializer, **error_responses(*PROXY_READ_ERRORS)},
    )
    @action(detail=True, methods=["get"], url_path="git/list-branches")
    def git_list_branches(self, request: Request, project: str, session: str) -> Response:
        """Branch names on the remote of `path`."""
        return self._git_read(request, project, session, "list-branches", GitPathQuerySerializer)

    @extend_schema(
        summary="Whether a workspace directory merges cleanly with its remote branch",
        parameters=[GitMergeStatusQuerySerializer],
        responses={200: GitMergeStatusSerializer, **error_responses(*PROXY_READ_ERRORS)},
    )
    @action(detail=True, methods=["get"], url_path="git/merge-status")
    def git_merge_status(self, request: Request, project: str, session: str) -> Response:
        """Local changes, commits the remote `branch` is ahead by, and the files that would conflict."""
        return self._git_read(request, project, session, "merge-status", GitMergeStatusQuerySerializer)

    @extend_schema(
        summary="Commit everything and push",
        request=GitPushSerializer,
        responses={200: GitResultSerializer, **error_responses(*PROXY_WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"], url_path="git/push")
    def git_push(self, request: Request, project: str, session: str) -> Response:
        """Commit all changes under `path` with `message` and push `branch` to its remote."""
        return self._git_write(request, project, session, "push", GitPushSerializer)

    @extend_schema(
        summary="Pull from the remote",
        request=GitPullSerializer,
        responses={200: GitResultSerializer, **error_responses(*PROXY_WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"], url_path="git/pull")
    def git_pull(self, request: Request, project: str, session: str) -> Response:
        """Pull `branch` into `path`; conflicts answer 409 listing the conflicting files."""
        return self._git_write(request, project, session, "pull", GitPullSerializer)

    @extend_schema(
        summary="Create a branch",
        request=GitCreateBranchSerializer,
        responses={200: GitResultSerializer, **error_responses(*PROXY_WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"], url_path="git/create-branch")
    def git_create_branch(self, request: Request, project: str, session: str) -> Response:
        """Create `branchName` in `path` and push it to the remote."""
        return self._git_write(request, project, session, "create-branch", GitCreateBranchSerializer)

    @extend_schema(
        summary="Set a workspace directory's remote",
        request=GitConfigureRemoteSerializer,
        responses={200: GitResultSerializer, **error_responses(*PROXY_WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"], url_path="git/configure-remote")
    def git_configure_remote(self, request: Request, project: str, session: str) -> Response:
        """Point `path`'s `origin` at `remoteUrl` (initialising git if needed); credentials are never stored
        in the remote URL."""
        return self._git_write(request, project, session, "configure-remote", GitConfigureRemoteSerializer)

    @extend_schema(
        summary="Commit, pull --rebase and push",
        request=GitSynchronizeSerializer,
        responses={200: GitResultSerializer, **error_responses(*PROXY_WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"], url_path="git/synchronize")
    def git_synchronize(self, request: Request, project: str, session: str) -> Response:
        """Commit local changes, rebase them on the remote `branch` and push."""
        return self._git_write(request, project, session, "synchronize", GitSynchronizeSerializer)
