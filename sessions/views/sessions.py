"""`/api/projects/{project}/agentic-sessions`: the session lifecycle (actions 1–12)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from ambient.contract import Phase
from ambient.exceptions import Gone
from sessions import selectors, services
from sessions.api_constants import (
    CODE_ENDPOINT_REMOVED,
    MESSAGE_CONTENT_POD_REMOVED,
    MESSAGE_STATUS_REMOVED,
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
)
from sessions.auth import caller_of
from sessions.permissions import IsKubernetesCaller, ProjectAccess
from sessions.serializers.content import (
    GitConfigureRemoteSerializer,
    GitCreateBranchSerializer,
    GitHubPushSerializer,
    GitPullSerializer,
    GitPushSerializer,
    GitSynchronizeSerializer,
    RepoAddSerializer,
    WorkflowSelectSerializer,
)
from sessions.serializers.inputs import (
    DisplayNameSerializer,
    SessionCloneSerializer,
    SessionCreateSerializer,
    SessionMetadataPatchSerializer,
    SessionReplaceSerializer,
)
from sessions.serializers.outputs import (
    ErrorSerializer,
    K8sResourcesSerializer,
    SessionPageSerializer,
    SessionSerializer,
)
from sessions.serializers.strict import QuerySerializer
from sessions.views.common import AUTHENTICATION_CLASSES, PARSER_CLASSES, error_responses
from sessions.views.content import CONTENT_SESSION_VERBS, SessionContentActions
from sessions.views.github import GITHUB_SESSION_VERBS, SessionGitHubActions

READ_ERRORS = (401, 403, 404)
WRITE_ERRORS = (400, 401, 403, 404, 409)
# Actions kept only to answer 410 Gone with the replacement's name.
REMOVED_ACTIONS = ("status_removed", "spawn_content_pod_removed", "content_pod_status_removed", "content_pod_removed")
# The body each action accepts, for the browsable API's forms (start and stop take none: a bare button).
BROWSABLE_FORMS: dict[str, type[serializers.Serializer]] = {
    "create": SessionCreateSerializer,
    "list": SessionCreateSerializer,
    "update": SessionReplaceSerializer,
    "retrieve": SessionReplaceSerializer,
    "partial_update": SessionMetadataPatchSerializer,
    "clone": SessionCloneSerializer,
    "displayname": DisplayNameSerializer,
    "start": serializers.Serializer,
    "stop": serializers.Serializer,
    "repos": RepoAddSerializer,
    "workflow": WorkflowSelectSerializer,
    "git_push": GitPushSerializer,
    "git_pull": GitPullSerializer,
    "git_create_branch": GitCreateBranchSerializer,
    "git_configure_remote": GitConfigureRemoteSerializer,
    "git_synchronize": GitSynchronizeSerializer,
    "github_token": serializers.Serializer,
    "github_push": GitHubPushSerializer,
}


class SessionListQuerySerializer(QuerySerializer):
    limit = serializers.IntegerField(min_value=1, max_value=PAGE_SIZE_MAX, default=PAGE_SIZE_DEFAULT)
    offset = serializers.IntegerField(min_value=0, default=0)
    search = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    phase = serializers.ChoiceField(choices=[phase.value for phase in Phase], required=False)


def _validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data if data is not None else {})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(
        summary="List sessions",
        parameters=[SessionListQuerySerializer],
        responses={200: SessionPageSerializer, **error_responses(400, 401, 403)},
    ),
    create=extend_schema(
        summary="Create a session",
        request=SessionCreateSerializer,
        responses={201: SessionSerializer, **error_responses(*WRITE_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="Get a session", responses={200: SessionSerializer, **error_responses(*READ_ERRORS)}
    ),
    update=extend_schema(
        summary="Replace a session's spec",
        request=SessionReplaceSerializer,
        responses={200: SessionSerializer, **error_responses(*WRITE_ERRORS)},
    ),
    partial_update=extend_schema(
        summary="Change a session's labels or annotations",
        request=SessionMetadataPatchSerializer,
        responses={200: SessionSerializer, **error_responses(*WRITE_ERRORS)},
    ),
    destroy=extend_schema(summary="Delete a session", responses={204: None, **error_responses(*READ_ERRORS)}),
)
class SessionViewSet(SessionContentActions, SessionGitHubActions, viewsets.ViewSet):
    """Agentic sessions of one project. Each session is an AgenticSession custom resource; you act on it
    with your own Kubernetes identity, so your role in the project (admin, edit or view) decides what you may do.
    """

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [ProjectAccess]
    parser_classes = PARSER_CLASSES
    lookup_field = "session"
    lookup_value_regex = "[^/]+"
    serializer_class = SessionSerializer
    # The Kubernetes verb each action needs on agenticsessions (checked with SelfSubjectAccessReview).
    session_verbs = {
        "list": "list",
        "create": "create",
        "retrieve": "get",
        "update": "update",
        "partial_update": "patch",
        "destroy": "delete",
        "clone": "get",
        "start": "patch",
        "stop": "patch",
        "displayname": "patch",
        "k8s_resources": "get",
        **CONTENT_SESSION_VERBS,
        **GITHUB_SESSION_VERBS,
    }

    def get_serializer(self, *args: Any, **kwargs: Any) -> serializers.Serializer:
        # Only for the browsable API's forms: it shows the body each action accepts. Its form for a
        # POST-only action is built while handling a GET there, so the action comes from the form's method.
        action_name = self.action or self.action_map.get((self.request.method or "").lower(), "")
        return BROWSABLE_FORMS.get(action_name, SessionSerializer)(*args, **kwargs)

    def get_extra_action_url_map(self) -> dict[str, str]:
        """The browsable API's "Extra Actions" menu, without the removed endpoints (they only answer 410)."""
        removed = {getattr(type(self), name).kwargs.get("name") for name in REMOVED_ACTIONS}
        return {label: url for label, url in super().get_extra_action_url_map().items() if label not in removed}

    def list(self, request: Request, project: str) -> Response:
        """Sessions in the project, newest first. `search` matches name, display name and initial prompt
        (case-insensitive); `phase` keeps one phase; `limit` (≤ 100) and `offset` page the result.
        """
        query = _validated(SessionListQuerySerializer, request.query_params)
        phase = Phase(query["phase"]) if query.get("phase") else None
        page = selectors.session_list(
            caller=caller_of(request),
            namespace=project,
            limit=query["limit"],
            offset=query["offset"],
            search=query["search"],
            phase=phase,
        )
        return Response(page.as_dict())

    def create(self, request: Request, project: str) -> Response:
        """Create a session. Omit `name` to get `session-<random>`. `prompt`, `parent_session_id` and repos
        shaped `{input: {url, branch}, output}` are accepted as older spellings. `userContext` is always
        taken from your identity. 409 when the name is taken.
        """
        data = _validated(SessionCreateSerializer, request.data)
        session = services.session_create(caller=caller_of(request), namespace=project, data=data)
        location = reverse(
            "agentic-session-detail",
            kwargs={"project": project, "session": session["metadata"]["name"]},
            request=request,
        )
        return Response(session, status=status.HTTP_201_CREATED, headers={"Location": location})

    def retrieve(self, request: Request, project: str, session: str) -> Response:
        """One session: the custom resource as stored (spec, status with conditions, metadata)."""
        return Response(selectors.session_get(caller=caller_of(request), namespace=project, name=session))

    def update(self, request: Request, project: str, session: str) -> Response:
        """Replace the editable spec fields (omitted ones are cleared). Refused with 409 `session_running`
        while the session is Pending, Creating, Running or Stopping. Send the `resourceVersion` you read
        (top level or in `metadata`) to get 409 instead of overwriting someone else's change.
        """
        data = _validated(SessionReplaceSerializer, request.data)
        resource_version = data.pop("resourceVersion", None)
        updated = services.session_replace(
            caller=caller_of(request), namespace=project, name=session, data=data, resource_version=resource_version
        )
        return Response(updated)

    def partial_update(self, request: Request, project: str, session: str) -> Response:
        """Merge labels and annotations: `{"metadata": {"labels": {...}, "annotations": {...}}}`; a `null`
        value removes a key. Keys the system owns (intent, runner and token annotations) are refused.
        """
        data = _validated(SessionMetadataPatchSerializer, request.data)
        updated = services.session_metadata_patch(
            caller=caller_of(request),
            namespace=project,
            name=session,
            labels=data.get("labels"),
            annotations=data.get("annotations"),
            resource_version=data.get("resourceVersion"),
        )
        return Response(updated)

    def destroy(self, request: Request, project: str, session: str) -> Response:
        """Delete the session; its Job, workspace volume and credentials are removed with it."""
        services.session_delete(caller=caller_of(request), namespace=project, name=session)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Clone a session",
        request=SessionCloneSerializer,
        responses={201: SessionSerializer, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def clone(self, request: Request, project: str, session: str) -> Response:
        """Copy the session's spec into a new session, in this project or `targetProject` (you need to be
        allowed to create sessions there). The name is `newSessionName` or the source's, with
        `-duplicate[-N]` added until free. The copy starts fresh (Pending).
        """
        data = _validated(SessionCloneSerializer, request.data)
        clone = services.session_clone(
            caller=caller_of(request),
            namespace=project,
            name=session,
            target_project=data.get("targetProject"),
            new_name=data.get("newSessionName"),
        )
        return Response(clone, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Start a session",
        request=None,
        responses={202: SessionSerializer, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, project: str, session: str) -> Response:
        """Ask for a Completed, Failed or Stopped session to run again (409 otherwise). Accepted, not done:
        the reconciler acts on it; watch `status.phase`.
        """
        started = services.session_start(caller=caller_of(request), namespace=project, name=session)
        return Response(started, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Stop a session",
        request=None,
        responses={202: SessionSerializer, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def stop(self, request: Request, project: str, session: str) -> Response:
        """Ask for a session that has not finished (Pending, Creating, Running) to stop (409 when it has).
        The workspace volume is kept so the session can be started again.
        """
        stopped = services.session_stop(caller=caller_of(request), namespace=project, name=session)
        return Response(stopped, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Rename a session (display name)",
        request=DisplayNameSerializer,
        responses={200: SessionSerializer, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=True, methods=["put"])
    def displayname(self, request: Request, project: str, session: str) -> Response:
        """Set `spec.displayName` (1–200 characters, trimmed), in any phase."""
        data = _validated(DisplayNameSerializer, request.data)
        updated = services.session_display_name_set(
            caller=caller_of(request),
            namespace=project,
            name=session,
            display_name=data["displayName"],
            resource_version=data.get("resourceVersion"),
        )
        return Response(updated)

    @extend_schema(
        summary="A session's Kubernetes objects",
        responses={200: K8sResourcesSerializer, **error_responses(*READ_ERRORS)},
    )
    @action(detail=True, methods=["get"], url_path="k8s-resources")
    def k8s_resources(self, request: Request, project: str, session: str) -> Response:
        """The session's Job, its pods (container states, exit codes, waiting reasons), the workspace
        volume (PVC) and the content Service, with whether the content service is ready.
        """
        resources = selectors.session_k8s_resources(caller=caller_of(request), namespace=project, name=session)
        return Response(resources)

    # --- Removed (410 Gone) --------------------------------------------------------------------------

    @extend_schema(
        summary="Removed: update status", request=None, responses={410: ErrorSerializer, 401: ErrorSerializer}
    )
    @action(detail=True, methods=["put"], url_path="status", permission_classes=[IsKubernetesCaller])
    def status_removed(self, request: Request, project: str, session: str) -> Response:
        """Removed. The reconciler is the only writer of status; use start/stop to express intent."""
        raise Gone(MESSAGE_STATUS_REMOVED, code=CODE_ENDPOINT_REMOVED)

    @extend_schema(
        summary="Removed: spawn content pod", request=None, responses={410: ErrorSerializer, 401: ErrorSerializer}
    )
    @action(detail=True, methods=["post"], url_path="spawn-content-pod", permission_classes=[IsKubernetesCaller])
    def spawn_content_pod_removed(self, request: Request, project: str, session: str) -> Response:
        """Removed. The content service runs inside every session's Job."""
        raise Gone(MESSAGE_CONTENT_POD_REMOVED, code=CODE_ENDPOINT_REMOVED)

    @extend_schema(summary="Removed: content pod status", responses={410: ErrorSerializer, 401: ErrorSerializer})
    @action(detail=True, methods=["get"], url_path="content-pod-status", permission_classes=[IsKubernetesCaller])
    def content_pod_status_removed(self, request: Request, project: str, session: str) -> Response:
        """Removed. The content service runs inside every session's Job; see k8s-resources."""
        raise Gone(MESSAGE_CONTENT_POD_REMOVED, code=CODE_ENDPOINT_REMOVED)

    @extend_schema(summary="Removed: delete content pod", responses={410: ErrorSerializer, 401: ErrorSerializer})
    @action(detail=True, methods=["delete"], url_path="content-pod", permission_classes=[IsKubernetesCaller])
    def content_pod_removed(self, request: Request, project: str, session: str) -> Response:
        """Removed. The content service runs inside every session's Job; stop the session instead."""
        raise Gone(MESSAGE_CONTENT_POD_REMOVED, code=CODE_ENDPOINT_REMOVED)
