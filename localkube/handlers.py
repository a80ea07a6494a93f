"""REST handlers for resource requests: one handler per verb, chosen from a table, plus the
subresources answered elsewhere (reviews and TokenRequest by the auth package, pods/log and
services/proxy by the runtime)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from localkube import tables
from localkube.codec import json_response, read_body, wants_table
from localkube.context import ApiContext
from localkube.errors import ApiError, unknown_resource
from localkube.interfaces import UserInfo
from localkube.operations import Admit
from localkube.patches import APPLY_PATCH
from localkube.registry import ResourceType
from localkube.routing import RequestInfo
from localkube.watch import serve_watch

_TRUE = ("1", "true", "True")
_TYPE_META = ("kind", "apiVersion")


def method_not_allowed() -> ApiError:
    # kube's REST container has no route for the method: its error handler writes empty details.
    return ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed", {})


@dataclass
class ResourceRequest:
    """One request on a stored resource, with what every verb handler needs."""

    request: web.Request
    ctx: ApiContext
    info: RequestInfo
    resource_type: ResourceType
    admit: Admit | None

    @property
    def query(self) -> Any:
        return self.request.query

    @property
    def dry_run(self) -> bool:
        return self.query.get("dryRun") == "All"

    @property
    def field_validation(self) -> str | None:
        return self.query.get("fieldValidation")


Handler = Callable[[ResourceRequest], Awaitable[web.StreamResponse]]


def typed_list(resource_type: ResourceType, listing: dict[str, Any]) -> dict[str, Any]:
    """A built-in kind's list items carry no kind/apiVersion (the list's own say it), as kube's
    typed lists encode them; custom resources' items keep theirs, as kube's unstructured lists do."""
    if resource_type.builtin:
        listing["items"] = [{k: v for k, v in item.items() if k not in _TYPE_META} for item in listing["items"]]
    return listing


async def _get(r: ResourceRequest) -> web.StreamResponse:
    info = r.info
    obj = r.ctx.service.get(r.resource_type, info.version, info.namespace, info.name)
    if wants_table(r.request):
        metadata = {"resourceVersion": obj["metadata"].get("resourceVersion", "")}
        include_object = r.query.get("includeObject", "Metadata")
        return json_response(tables.table(r.resource_type, info.version, [obj], include_object, metadata))
    return json_response(obj)


async def _list(r: ResourceRequest) -> web.StreamResponse:
    query = r.query
    limit = int(query["limit"]) if query.get("limit", "").isdigit() else None
    listing = r.ctx.service.list(
        r.resource_type,
        r.info.version,
        r.info.namespace,
        label_selector=query.get("labelSelector"),
        field_selector=query.get("fieldSelector"),
        limit=limit,
        continue_token=query.get("continue"),
    )
    if wants_table(r.request):
        include_object = query.get("includeObject", "Metadata")
        return json_response(
            tables.table(r.resource_type, r.info.version, listing["items"], include_object, listing["metadata"])
        )
    return json_response(typed_list(r.resource_type, listing))


async def _watch(r: ResourceRequest) -> web.StreamResponse:
    info = r.info
    return await serve_watch(
        r.request,
        r.ctx,
        r.resource_type,
        info.version,
        info.namespace,
        info.name,
        wants_table(r.request),
        r.query.get("includeObject", "Metadata"),
    )


async def _create(r: ResourceRequest) -> web.StreamResponse:
    body = await read_body(r.request, r.ctx)
    if r.info.name:
        raise method_not_allowed()
    result = r.ctx.service.create(
        r.resource_type,
        r.info.version,
        r.info.namespace,
        body,
        dry_run=r.dry_run,
        field_validation=r.field_validation,
        admit=r.admit,
        # A JSON or protobuf body is parsed afresh for this request; YAML anchors may share parts.
        body_owned="yaml" not in r.request.content_type,
    )
    return json_response(result.obj, 201, result.warnings)


async def _update(r: ResourceRequest) -> web.StreamResponse:
    body = await read_body(r.request, r.ctx)
    info = r.info
    result = r.ctx.service.update(
        r.resource_type,
        info.version,
        info.namespace,
        info.name,
        body,
        subresource=info.subresource,
        dry_run=r.dry_run,
        field_validation=r.field_validation,
        admit=r.admit,
    )
    return json_response(result.obj, 200, result.warnings)


async def _patch(r: ResourceRequest) -> web.StreamResponse:
    body = await read_body(r.request, r.ctx)
    content_type = r.request.content_type
    if content_type == APPLY_PATCH:
        raise ApiError(
            415,
            "server-side apply is not supported by localkube; use client-side kubectl apply",
            "UnsupportedMediaType",
        )
    info = r.info
    result = r.ctx.service.patch(
        r.resource_type,
        info.version,
        info.namespace,
        info.name,
        body,
        content_type,
        subresource=info.subresource,
        dry_run=r.dry_run,
        field_validation=r.field_validation,
        admit=r.admit,
    )
    return json_response(result.obj, 200, result.warnings)


async def _delete_options(r: ResourceRequest) -> tuple[dict[str, Any], bool]:
    """DeleteOptions from the body and the query (the query wins, as in kube), and dry-run."""
    options = await read_body(r.request, r.ctx, required=False) or {}
    if not isinstance(options, dict):
        raise ApiError(400, "DeleteOptions must be a JSON object")
    for key in ("propagationPolicy", "gracePeriodSeconds", "orphanDependents"):
        if key in r.query:
            value: Any = r.query[key]
            if key == "gracePeriodSeconds":
                value = int(value)
            elif key == "orphanDependents":
                value = value in _TRUE
            options[key] = value
    return options, r.dry_run or "All" in (options.get("dryRun") or [])


async def _delete(r: ResourceRequest) -> web.StreamResponse:
    options, dry_run = await _delete_options(r)
    info = r.info
    answer = r.ctx.deleter.delete(r.resource_type, info.version, info.namespace, info.name, options, dry_run)
    # kube answers 202 when the caller asked for cascading deletion (orphanDependents=false) and the
    # object is still there; every other DELETE is a 200, even one that waits on finalizers.
    still_there = r.ctx.store.get(r.resource_type.group, r.resource_type.resource, info.namespace or "", info.name)
    accepted = options.get("orphanDependents") is False and still_there is not None
    return json_response(answer, 202 if accepted else 200)


async def _delete_collection(r: ResourceRequest) -> web.StreamResponse:
    options, dry_run = await _delete_options(r)
    deleted = r.ctx.deleter.delete_collection(
        r.resource_type,
        r.info.version,
        r.info.namespace,
        r.query.get("labelSelector"),
        r.query.get("fieldSelector"),
        options,
        dry_run,
    )
    return json_response(typed_list(r.resource_type, deleted))


VERB_HANDLERS: dict[str, Handler] = {
    "get": _get,
    "list": _list,
    "watch": _watch,
    "create": _create,
    "update": _update,
    "patch": _patch,
    "delete": _delete,
    "deletecollection": _delete_collection,
}


def _resource_type(ctx: ApiContext, info: RequestInfo) -> ResourceType:
    resource_type = ctx.registry.lookup(info.group, info.version, info.resource)
    if resource_type is None:
        raise unknown_resource(info.group, info.version)
    if resource_type.namespaced and info.namespace is None and info.verb not in ("list", "watch"):
        raise unknown_resource(info.group, info.version)
    if not resource_type.namespaced and info.namespace is not None:
        raise unknown_resource(info.group, info.version)
    if info.subresource and info.subresource not in resource_type.subresources:
        raise unknown_resource(info.group, info.version)
    return resource_type


async def handle_resource(
    request: web.Request, ctx: ApiContext, info: RequestInfo, user: UserInfo
) -> web.StreamResponse:
    resource_type = _resource_type(ctx, info)
    if not resource_type.stored or info.subresource == "token":
        return await _review(request, ctx, info, user)
    if info.subresource == "log":
        return await _runtime_subresource(request, ctx, info, "pod_log")
    if info.subresource == "proxy":
        return await _runtime_subresource(request, ctx, info, "service_proxy")
    handler = VERB_HANDLERS.get(info.verb)
    if handler is None:
        raise method_not_allowed()
    # Who writes matters to some checks (RBAC escalation, host access); they run before storing.
    admit = ctx.admission.for_request(user, info.namespace or "", info.name) if ctx.admission is not None else None
    return await handler(ResourceRequest(request, ctx, info, resource_type, admit))


async def _review(request: web.Request, ctx: ApiContext, info: RequestInfo, user: UserInfo) -> web.Response:
    """Create-only kinds answered by the auth package and never stored."""
    if info.verb != "create":
        raise method_not_allowed()
    reviews = ctx.reviews
    body = await read_body(request, ctx, required=info.resource != "selfsubjectreviews") or {}
    if info.subresource == "token":
        if ctx.store.get("", "serviceaccounts", info.namespace or "", info.name) is None:
            raise ApiError(
                404,
                f'serviceaccounts "{info.name}" not found',
                "NotFound",
                {"name": info.name, "kind": "serviceaccounts"},
            )
        result = reviews.token_request(ctx.authenticator, ctx.store, info.namespace, info.name, body)
    elif info.resource == "tokenreviews":
        result = reviews.token_review(ctx.authenticator, body)
    elif info.resource == "selfsubjectaccessreviews":
        result = reviews.self_subject_access_review(ctx.authorizer, user, body)
    elif info.resource == "subjectaccessreviews":
        result = reviews.subject_access_review(ctx.authorizer, body)
    elif info.resource == "localsubjectaccessreviews":
        result = reviews.local_subject_access_review(ctx.authorizer, info.namespace, body)
    elif info.resource == "selfsubjectrulesreviews":
        result = reviews.self_subject_rules_review(ctx.authorizer, user, body)
    elif info.resource == "selfsubjectreviews":
        result = reviews.self_subject_review(user)
    else:
        raise method_not_allowed()
    return json_response(result, 201)


async def _runtime_subresource(
    request: web.Request, ctx: ApiContext, info: RequestInfo, handler: str
) -> web.StreamResponse:
    """pods/log and services/proxy belong to the runtime; imported lazily so the core stands alone."""
    if handler == "pod_log" and info.verb != "get":
        raise method_not_allowed()
    try:
        from localkube.runtime import subresources  # noqa: PLC0415 - optional at import time
    except ImportError:
        raise ApiError(503, "the localkube pod runtime is not installed", "ServiceUnavailable") from None
    namespace = info.namespace or ""  # pods and services are namespaced: "" finds nothing, a 404
    if handler == "pod_log":
        return await subresources.pod_log(request, ctx.store, ctx.state_dir, namespace, info.name)
    return await subresources.service_proxy(request, ctx.store, namespace, info.name, info.rest)
