"""Routes of the session API (included under `api/`)."""

from django.urls import URLPattern, path
from rest_framework.routers import APIRootView, DefaultRouter

from sessions.permissions import IsKubernetesCaller
from sessions.views.chat import SessionMessagesViewSet
from sessions.views.common import AUTHENTICATION_CLASSES
from sessions.views.projects import ProjectViewSet
from sessions.views.sessions import SessionViewSet
from sessions.views.workflows import OotbWorkflowsView
from sessions.views.workspace_file import with_async_file_get


class AmbientAPIRoot(APIRootView):
    """Ambient: AI coding-agent sessions, each an AgenticSession custom resource in a project (a namespace).
    Authenticate with a Kubernetes bearer token; start from `projects`.
    """

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [IsKubernetesCaller]


class AmbientRouter(DefaultRouter):
    APIRootView = AmbientAPIRoot


router = AmbientRouter(trailing_slash=False)
router.register(r"projects", ProjectViewSet, basename="project")
router.register(r"projects/(?P<project>[^/]+)/agentic-sessions", SessionViewSet, basename="agentic-session")
# Chat history and sending (the WebSocket is in ambient/routing.py); the original `sessions/` path too.
router.register(
    r"projects/(?P<project>[^/]+)/agentic-sessions/(?P<session>[^/]+)/messages",
    SessionMessagesViewSet,
    basename="session-messages",
)
router.register(
    r"projects/(?P<project>[^/]+)/sessions/(?P<session>[^/]+)/messages",
    SessionMessagesViewSet,
    basename="session-messages-original",
)

router_urls = router.urls
# A workspace file GET is served by a plain async view under ASGI (see sessions/views/workspace_file.py).
for pattern in router_urls:
    if isinstance(pattern, URLPattern) and pattern.name == "agentic-session-workspace-file":
        pattern.callback = with_async_file_get(pattern.callback)

urlpatterns = [
    path("workflows/ootb", OotbWorkflowsView.as_view(), name="ootb-workflows"),
    *router_urls,
]
