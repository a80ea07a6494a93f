"""`/api/projects`: the namespaces Ambient manages that you can see, and creating/deleting them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from sessions import selectors, services
from sessions.auth import caller_of
from sessions.permissions import IsKubernetesCaller, validate_project_name
from sessions.serializers.projects import ProjectCreateSerializer, ProjectListSerializer, ProjectSerializer
from sessions.views.common import AUTHENTICATION_CLASSES, PARSER_CLASSES, error_responses


@extend_schema_view(
    list=extend_schema(summary="List projects", responses={200: ProjectListSerializer, **error_responses(401)}),
    create=extend_schema(
        summary="Create a project",
        request=ProjectCreateSerializer,
        responses={201: ProjectSerializer, **error_responses(400, 401, 403, 409)},
    ),
    retrieve=extend_schema(
        summary="Get a project", responses={200: ProjectSerializer, **error_responses(400, 401, 403, 404)}
    ),
    destroy=extend_schema(summary="Delete a project", responses={204: None, **error_responses(400, 401, 403, 404)}),
)
class ProjectViewSet(viewsets.ViewSet):
    """Projects: Kubernetes namespaces labelled `ambient-code.io/managed=true`. You see those in which
    you may list sessions.
    """

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [IsKubernetesCaller]
    parser_classes = PARSER_CLASSES
    lookup_field = "project"
    lookup_value_regex = "[^/]+"
    serializer_class = ProjectCreateSerializer

    def get_serializer(self, *args: Any, **kwargs: Any) -> ProjectCreateSerializer:
        # Only for the browsable API's form: the body `create` takes, prefilled.
        return ProjectCreateSerializer(*args, **kwargs)

    def list(self, request: Request) -> Response:
        """Projects in which you may list sessions."""
        return Response({"items": selectors.project_list(caller=caller_of(request))})

    def create(self, request: Request) -> Response:
        """Create a project (a namespace) and make you its admin. Needs RBAC `create` on `projects` in API
        group `vteam.ambient-code` (ClusterRole `ambient-project-creator`); ServiceAccounts never may; each
        user has a quota of live projects. `name` is a DNS-1123 label matching the installation's
        project-name pattern (by default `ambient-…`).
        """
        serializer = ProjectCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = services.project_create(
            caller=caller_of(request),
            name=serializer.validated_data["name"],
            display_name=serializer.validated_data.get("displayName", ""),
        )
        return Response(project, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, project: str) -> Response:
        """One project, if you may list sessions in it."""
        validate_project_name(project)
        return Response(selectors.project_get(caller=caller_of(request), name=project))

    def destroy(self, request: Request, project: str) -> Response:
        """Delete a project and everything in it (project admins only)."""
        validate_project_name(project)
        services.project_delete(caller=caller_of(request), name=project)
        return Response(status=status.HTTP_204_NO_CONTENT)
