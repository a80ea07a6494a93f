from __future__ import annotations

from collections.abc import Callable

from django.http import FileResponse
from rest_framework.request import Request
from rest_framework.response import Response

from workspaces.selectors import workspace_file, workspace_list
from workspaces.serializers import WorkspaceFileQuery, WorkspaceListQuery
from workspaces.services.files import workspace_file_write
from workspaces.views.base import ContentView, request_length, validated_query


class WorkspaceListView(ContentView):
    def get(self, request: Request) -> Response:
        """List a workspace directory: `{items: [{name, path, isDir, size, modifiedAt}]}`."""
        query = validated_query(request, WorkspaceListQuery)
        return Response(workspace_list(path=query["path"], root=self.configured.workspace_root))


class WorkspaceFileView(ContentView):
    def get(self, request: Request) -> FileResponse:
        """Stream a workspace file's bytes with a guessed content type."""
        query = validated_query(request, WorkspaceFileQuery)
        found = workspace_file(path=query["path"], root=self.configured.workspace_root)
        response = FileResponse(found.open(), content_type=found.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def put(self, request: Request) -> Response:
        """Write the raw request body to the file (parents created, binary-safe, size-limited)."""
        query = validated_query(request, WorkspaceFileQuery)
        configured = self.configured
        return Response(
            workspace_file_write(
                path=query["path"],
                read=_body_reader(request),
                root=configured.workspace_root,
                max_bytes=configured.max_file_bytes,
                declared_length=request_length(request),
            )
        )


def _body_reader(request: Request) -> Callable[[int], bytes]:
    """Chunks of the raw body; a chunked upload (no Content-Length) is read from the server's input."""
    django_request = request._request
    if "chunked" in django_request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        reader: Callable[[int], bytes] = django_request.META["wsgi.input"].read
        return reader
    return django_request.read
