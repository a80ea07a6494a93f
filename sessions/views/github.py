"""GitHub actions of a session (27–29), mixed into SessionViewSet."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from sessions.auth import caller_of
from sessions.permissions import IsKubernetesCaller, validate_project_name
from sessions.serializers.content import (
    GitHubDiffQuerySerializer,
    GitHubDiffSerializer,
    GitHubPushSerializer,
    GitHubTokenSerializer,
    GitResultSerializer,
)
from sessions.services import github as github_services
from sessions.views.common import error_responses
from sessions.views.content import PROXY_READ_ERRORS, PROXY_WRITE_ERRORS, validated

GITHUB_SESSION_VERBS: dict[str, str] = {"github_push": "update", "github_diff": "get"}


class SessionGitHubActions:
    @extend_schema(
        summary="Mint a GitHub token for the session's runner",
        request=None,
        responses={200: GitHubTokenSerializer, **error_responses(401, 403, 404, 502)},
    )
    @action(detail=True, methods=["post"], url_path="github/token", permission_classes=[IsKubernetesCaller])
    def github_token(self, request: Request, project: str, session: str) -> Response:
        """For the session's runner only (its ServiceAccount token, checked with TokenReview): a GitHub token
        from the user's PAT, else a GitHub App installation token, else the project's `GITHUB_TOKEN`."""
        validate_project_name(project)
        minted = github_services.github_token_mint(caller=caller_of(request), namespace=project, name=session)
        return Response(minted)

    @extend_schema(
        summary="Push a repository to its output remote",
        request=GitHubPushSerializer,
        responses={200: GitResultSerializer, **error_responses(*PROXY_WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"], url_path="github/push")
    def github_push(self, request: Request, project: str, session: str) -> Response:
        """Commit everything in the repository and push it to its `output` remote (else its own) on `branch`,
        `output.branch` or `ambient/<session>`. A failed push is an error; either way it is an Event on the
        session."""
        data: dict[str, Any] = validated(GitHubPushSerializer, request.data)
        relayed = github_services.github_push(
            caller=caller_of(request),
            namespace=project,
            name=session,
            repo=data.get("repo"),
            index=data.get("repoIndex"),
            commit_message=data.get("commitMessage"),
            branch=data.get("branch"),
        )
        return Response(relayed.data, status=relayed.status)

    @extend_schema(
        summary="Uncommitted changes of a repository",
        parameters=[GitHubDiffQuerySerializer],
        responses={200: GitHubDiffSerializer, **error_responses(*PROXY_READ_ERRORS)},
    )
    @action(detail=True, methods=["get"], url_path="github/diff")
    def github_diff(self, request: Request, project: str, session: str) -> Response:
        """Files and lines added and removed in `repo` since its last commit (untracked files included)."""
        query = validated(GitHubDiffQuerySerializer, request.query_params)
        relayed = github_services.github_diff(
            caller=caller_of(request), namespace=project, name=session, repo=query["repo"]
        )
        return Response(relayed.data, status=relayed.status)
