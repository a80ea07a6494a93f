"""`/api/workflows/ootb`: the out-of-the-box workflow catalogue (action 34)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gitops.ootb import ootb_workflows
from sessions.permissions import IsKubernetesCaller
from sessions.serializers.content import OotbWorkflowsSerializer
from sessions.views.common import AUTHENTICATION_CLASSES, error_responses


class OotbWorkflowsView(APIView):
    """Ready-made workflows you can switch a session to (POST .../workflow with one's gitUrl, branch, path)."""

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [IsKubernetesCaller]

    @extend_schema(
        summary="Out-of-the-box workflows",
        responses={200: OotbWorkflowsSerializer, **error_responses(401, 503)},
    )
    def get(self, request: Request) -> Response:
        """The catalogue read from OOTB_WORKFLOWS_REPO (cached about five minutes; the last good catalogue
        is served while the repository cannot be read)."""
        return Response({"workflows": ootb_workflows()})
