from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from ambient.exceptions import NotFound
from workspaces import serializers
from workspaces.services.git import git_directory, git_operation
from workspaces.views.base import ContentView, git_credentials, validated_body, validated_query

READ_INPUTS: dict[str, type[Serializer[Any]]] = {
    "status": serializers.GitPathQuery,
    "diff": serializers.GitPathQuery,
    "list-branches": serializers.GitPathQuery,
    "merge-status": serializers.MergeStatusQuery,
}
WRITE_INPUTS: dict[str, type[Serializer[Any]]] = {
    "push": serializers.PushInput,
    "pull": serializers.PullInput,
    "create-branch": serializers.CreateBranchInput,
    "configure-remote": serializers.ConfigureRemoteInput,
    "synchronize": serializers.SynchronizeInput,
}


class GitOperationView(ContentView):
    """`GET /git/<read>?path=` and `POST /git/<write>` `{path, …}`; under /repos/<name>/ the repo decides."""

    def get(self, request: Request, operation: str, name: str | None = None) -> Response:
        if operation not in READ_INPUTS:
            raise _unknown(operation)
        values = validated_query(request, READ_INPUTS[operation])
        return self._run(request, operation, name, values)

    def post(self, request: Request, operation: str, name: str | None = None) -> Response:
        if operation not in WRITE_INPUTS:
            raise _unknown(operation)
        values = validated_body(request, WRITE_INPUTS[operation])
        return self._run(request, operation, name, values)

    def _run(self, request: Request, operation: str, name: str | None, values: dict[str, Any]) -> Response:
        configured = self.configured
        root = configured.workspace_root
        directory = git_directory(path=values.get("path"), repo=name, root=root)
        result = git_operation(
            operation=operation,
            directory=directory,
            values=values,
            root=root,
            settings=configured.git,
            credentials=git_credentials(request),
        )
        return Response(result)


def _unknown(operation: str) -> NotFound:
    return NotFound(
        f"No git operation {operation!r} for this method; reads (GET): {', '.join(READ_INPUTS)}; "
        f"writes (POST): {', '.join(WRITE_INPUTS)}.",
        code="unknown_operation",
    )
