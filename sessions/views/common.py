"""What every session-API view shares: authentication, parsers, documented error responses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse

from sessions.auth import BearerTokenAuthentication, StaffSessionAuthentication
from sessions.serializers.outputs import ErrorSerializer
from sessions.views.parsers import PARSER_CLASSES

AUTHENTICATION_CLASSES = [BearerTokenAuthentication, StaffSessionAuthentication]

_ERROR_MEANINGS = {
    400: "Invalid input; `details.fields` names each bad field.",
    401: "No (or an unaccepted) bearer token.",
    403: "Kubernetes RBAC does not allow this for the caller.",
    404: "No such project or session.",
    409: "The session's phase does not allow this, the name is taken, or the resourceVersion is stale.",
    410: "The endpoint was removed; the message names its replacement.",
    413: "The object would be larger than the cluster stores (about 1.5 MiB), or the file than the workspace accepts.",
    502: "An upstream service (GitHub, the content service) failed; the message says which and why.",
    503: "The session's content service (or the Kubernetes API) did not answer; the message says what to check.",
}


__all__ = ["AUTHENTICATION_CLASSES", "PARSER_CLASSES", "error_responses"]


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_MEANINGS[code]) for code in codes}
