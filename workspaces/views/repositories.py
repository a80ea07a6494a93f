from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from workspaces.metadata import workflow_metadata
from workspaces.serializers import RepoCloneInput, WorkflowCloneInput
from workspaces.services.repositories import repo_clone, repo_remove, sdk_restart_request, workflow_clone
from workspaces.views.base import ContentView, git_credentials, validated_body


class RepoCloneView(ContentView):
    def post(self, request: Request) -> Response:
        """Clone `{url, branch?, name?}` into repos/<name>; an existing clone of it is fetched and checked out."""
        body = validated_body(request, RepoCloneInput)
        configured = self.configured
        result = repo_clone(
            url=body["url"],
            branch=body["branch"],
            name=body["name"],
            root=configured.workspace_root,
            settings=configured.git,
            credentials=git_credentials(request),
        )
        return Response(result)

    def delete(self, request: Request) -> Response:
        """Remove repos/clone (this path is also the clone route, so a repository named "clone" lands here)."""
        return Response(repo_remove(name="clone", root=self.configured.workspace_root))


class RepoView(ContentView):
    def delete(self, request: Request, name: str) -> Response:
        """Remove repos/<name> (`removed: false` when it was not there)."""
        return Response(repo_remove(name=name, root=self.configured.workspace_root))


class WorkflowCloneView(ContentView):
    def post(self, request: Request) -> Response:
        """Clone `{gitUrl, branch?, path?}` into workflows/<name> and make it the active workflow."""
        body = validated_body(request, WorkflowCloneInput)
        configured = self.configured
        result = workflow_clone(
            git_url=body["gitUrl"],
            branch=body["branch"],
            sub_path=body["path"],
            root=configured.workspace_root,
            settings=configured.git,
            credentials=git_credentials(request),
        )
        return Response(result)


class WorkflowMetadataView(ContentView):
    def get(self, request: Request) -> Response:
        """The active workflow's commands, agents and config."""
        return Response(workflow_metadata(root=self.configured.workspace_root))


class SdkRestartView(ContentView):
    def post(self, request: Request) -> Response:
        """Ask the runner to restart its SDK (flag file with a counter under .ambient/)."""
        return Response(sdk_restart_request(root=self.configured.workspace_root))
