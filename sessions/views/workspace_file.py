"""GET …/workspace/{path} as a plain async Django view: the most frequent proxied read, served without
a thread per request under ASGI.

DRF views are sync, so under uvicorn each one costs thread hops (the view, and every streamed chunk).
This view wraps the DRF action of the same route and answers on the event loop when it can: ASGI, a
GET with a bearer token, the direct route to the content service, a JSON client. The checks are the
DRF path's, through the same functions: the token (TokenReview), the project gate and `get` on the
session (`session_access_require`), the path rules, 409 when not Running, 503 when unreachable, the
JSON error shape. Their cached answers are used on the loop; a missing one is looked up in a thread.
Anything else (WSGI, staff sessions, PUT, the service-proxy route, the browsable API) goes to the
DRF action unchanged. Under uvicorn the requests this view serves on the loop reach it through
`FastRoute` (ambient/asgi_handler.py), without Django's per-request handler work.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from rest_framework.exceptions import APIException

from ambient.content.client import STREAM_CHUNK_BYTES
from ambient.content.endpoint import ROUTE_DIRECT, content_route
from ambient.exceptions import ApplicationError, Unauthenticated, as_application_error, error_answer
from sessions.access_cache import answered_without_blocking
from sessions.auth import Caller, bearer_token
from sessions.permissions import session_access_require
from sessions.services import workspace as workspace_services
from sessions.views.content import CONTENT_SESSION_VERBS, path_argument

FILE_GET_ACTION = "workspace_file"
FILE_GET_URL_NAME = "agentic-session-workspace-file"  # the route's name in sessions/urls.py
# Middleware with nothing to do for a request `served_on_the_loop` accepts, which the fast route for it
# (ambient/asgi_handler.py) leaves out: such a request is an API GET (never a static file) authenticated
# by its bearer token, whose view reads no session, user or messages, and a GET's CSRF check passes
# without setting a cookie. Leaving them out cut the api's CPU per 4 KB GET by about a fifth.
IDLE_MIDDLEWARE_FOR_FILE_GET = (
    "ambient.async_middleware.StaticFilesMiddleware",
    "ambient.async_middleware.SessionMiddleware",
    "ambient.async_middleware.CsrfViewMiddleware",
    "ambient.async_middleware.AuthenticationMiddleware",
    "ambient.async_middleware.MessageMiddleware",
)

View = Callable[..., HttpResponseBase]
AsyncView = Callable[..., Awaitable[HttpResponseBase]]


def served_on_the_loop(request: HttpRequest) -> bool:
    """Whether this request takes the async path (else the DRF action answers it); asked once per request."""
    answer: bool | None = getattr(request, "_served_on_the_loop", None)
    if answer is None:
        answer = request._served_on_the_loop = _served_on_the_loop(request)  # type: ignore[attr-defined]
    return answer


def _served_on_the_loop(request: HttpRequest) -> bool:
    # Headers read from META (what `request.headers` is built from): building that mapping of every header
    # cost more than this whole test, and nothing else on this route reads it.
    if not isinstance(request, ASGIRequest) or request.method != "GET":
        return False
    meta = request.META
    if "text/html" in meta.get("HTTP_ACCEPT", "") or (meta.get("QUERY_STRING") and "format" in request.GET):
        return False  # the browsable API renders its own pages
    authorization = meta.get("HTTP_AUTHORIZATION", "")
    if not (authorization.lower().startswith("bearer") or meta.get("HTTP_X_FORWARDED_ACCESS_TOKEN")):
        return False  # staff with a Django session, another scheme, or nobody: DRF answers
    try:
        return content_route() == ROUTE_DIRECT
    except ApplicationError:
        return False  # a misconfigured route: the DRF action reports it


def with_async_file_get(drf_view: View) -> AsyncView:
    """The route's view: GET served on the event loop where it can, the DRF action otherwise.

    `functools.wraps` keeps the DRF view's attributes (cls, actions, csrf_exempt), so routing names and
    the OpenAPI schema still describe the DRF action.
    """

    @functools.wraps(drf_view)
    async def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not served_on_the_loop(request):
            return await sync_to_async(drf_view)(request, *args, **kwargs)
        try:
            return await _file_get(request, project=kwargs["project"], session=kwargs["session"], path=kwargs["path"])
        except (ApplicationError, APIException) as raised:
            error = as_application_error(raised)
            if error is None:
                raise
            body, headers = error_answer(error)
            return JsonResponse(body, status=int(error.status_code), headers=headers)

    return view


async def _file_get(request: HttpRequest, *, project: str, session: str, path: str) -> HttpResponseBase:
    token = bearer_token(request)  # type: ignore[arg-type]  # reads only headers, as on a DRF request
    if token is None:
        raise Unauthenticated()
    caller = Caller(token=token)

    def authorized() -> None:
        caller.identity()
        session_access_require(
            caller=caller, project=project, verb=CONTENT_SESSION_VERBS[FILE_GET_ACTION], session=session
        )

    await answered_without_blocking(authorized)
    content = workspace_services.session_content_service(caller=caller, namespace=project, name=session)
    answer = await workspace_services.workspace_file_get_async(content=content, path=path_argument(path))
    if isinstance(answer, workspace_services.Relayed):
        return JsonResponse(answer.data, status=answer.status, safe=False)
    length = answer.content_length
    if length is not None and length.isdigit() and int(length) <= STREAM_CHUNK_BYTES:
        # One chunk's worth: read whole and sent in one piece, without an async iterator per response.
        return HttpResponse(await answer.answer.body(), status=answer.status, content_type=answer.content_type)
    response = StreamingHttpResponse(answer.chunks(), status=answer.status, content_type=answer.content_type)
    if answer.content_length is not None:
        response["Content-Length"] = answer.content_length
    return response
