"""REST handlers for resource requests: CRUD, lists, tables, watches and subresources."""

from __future__ import annotations

import json
from typing import Any

import yaml
from aiohttp import web

from localkube import protobuf, tables
from localkube.context import ApiContext
from localkube.errors import ApiError, unknown_resource
from localkube.interfaces import UserInfo
from localkube.patches import APPLY_PATCH
from localkube.registry import ResourceType
from localkube.routing import RequestInfo
from localkube.watch import serve_watch

JSON = "application/json"
_TRUE = ("1", "true", "True")


def json_response(body: Any, status: int = 200, warnings: list[str] | None = None) -> web.Response:
    headers = {}
    if warnings:
        headers["Warning"] = ", ".join('299 - "' + w.replace('"', '\\"') + '"' for w in warnings)
    return web.Response(
        # kube-apiserver's JSON encoder ends every document with a newline.
        body=json.dumps(body, separators=(",", ":")).encode() + b"\n",
        status=status,
        content_type=JSON,
        headers=headers,
    )


def wants_table(request: web.Request) -> bool:
    # kubectl lists the Table form first and plain JSON as the fallback; we always can build it.
    return "as=Table" in request.headers.get("Accept", "")


async def read_body(request: web.Request, ctx: ApiContext, required: bool = True) -> Any:
    raw = await request.read()
    if len(raw) > ctx.max_body_bytes:
        raise ApiError(413, f"Request entity too large: limit is {ctx.max_body_bytes}", "RequestEntityTooLarge")
    if not raw.strip():
        if required:
            raise ApiError(400, "the body of the request was empty", "BadRequest")
        return None
    content_type = request.content_type
    if "protobuf" in content_type:
        return protobuf.decode(raw)
    try:
        if "yaml" in content_type:
            return yaml.safe_load(raw)
        return json.loads(raw)
    except (ValueError, yaml.YAMLError) as error:
        raise ApiError(
            400,
            f"the body of the request was in an unknown format - accepted media types include: "
            f"application/json, application/yaml ({error})",
            "BadRequest",
        ) from None


def _resource_type(ctx: ApiContext, info: RequestInfo) -> ResourceType:
    resource_type = ctx.registry.lookup(info.group, info.version, info.resource)
    if resource_type is None:
        raise unknown_resource(info.group, info.version)
    if resource_type.namespaced and info.namespace is None and info.verb not in ("list", "watch"):
        raise unknown_resource(info.group, info.version)
    if not resource_type.namespaced and info.namespace is not None:
        raise unknown_resource(info.group, info.version)
    return resource_type


async def handle_resource(
    request: web.Request, ctx: ApiContext, info: RequestInfo, user: UserInfo
) -> web.StreamResponse:
    resource_type = _resource_type(ctx, info)
    if info.subresource and info.subresource not in resource_type.subresources:
        raise unknown_resource(info.group, info.version)
    if not resource_type.stored or info.subresource in ("token",):
        return await _review(request, ctx, info, user, resource_type)
    if info.subresource == "log":
        return await _runtime_subresource(request, ctx, info, "pod_log")
    if info.subresource == "proxy":
        return await _runtime_subresource(request, ctx, info, "service_proxy")
    query = request.query
    dry_run = query.get("dryRun") == "All"
    field_validation = query.get("fieldValidation")
    version, namespace, name = info.version, info.namespace, info.name
    service = ctx.service
    # Who writes matters to some checks (RBAC escalation, host access); they run before storing.
    admit = ctx.admission.for_request(user, namespace or "", name) if ctx.admission is not None else None
    if info.verb in ("get", "list"):
        table = wants_table(request)
        include_object = query.get("includeObject", "Metadata")
        if info.verb == "get":
            obj = service.get(resource_type, version, namespace, name)
            if table:
                return json_response(
                    tables.table(
                        resource_type,
                        version,
                        [obj],
                        include_object,
                        {"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                    )
                )
            return json_response(obj)
        limit = int(query["limit"]) if query.get("limit", "").isdigit() else None
        listing = service.list(
            resource_type,
            version,
            namespace,
            label_selector=query.get("labelSelector"),
            field_selector=query.get("fieldSelector"),
            limit=limit,
            continue_token=query.get("continue"),
        )
        if table:
            return json_response(
                tables.table(resource_type, version, listing["items"], include_object, listing["metadata"])
            )
        return json_response(listing)
    if info.verb == "watch":
        return await serve_watch(
            request,
            ctx,
            resource_type,
            version,
            namespace,
            name,
            wants_table(request),
            query.get("includeObject", "Metadata"),
        )
    if info.verb == "create":
        body = await read_body(request, ctx)
        if info.name:
            raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
        result = service.create(
            resource_type, version, namespace, body, dry_run=dry_run, field_validation=field_validation, admit=admit
        )
        return json_response(result.obj, 201, result.warnings)
    if info.verb == "update":
        body = await read_body(request, ctx)
        result = service.update(
            resource_type,
            version,
            namespace,
            name,
            body,
            subresource=info.subresource,
            dry_run=dry_run,
            field_validation=field_validation,
            admit=admit,
        )
        return json_response(result.obj, 200, result.warnings)
    if info.verb == "patch":
        body = await read_body(request, ctx)
        content_type = request.content_type
        if content_type == APPLY_PATCH:
            raise ApiError(
                415,
                "server-side apply is not supported by localkube; use client-side kubectl apply",
                "UnsupportedMediaType",
            )
        result = service.patch(
            resource_type,
            version,
            namespace,
            name,
            body,
            content_type,
            subresource=info.subresource,
            dry_run=dry_run,
            field_validation=field_validation,
            admit=admit,
        )
        return json_response(result.obj, 200, result.warnings)
    if info.verb in ("delete", "deletecollection"):
        options = await read_body(request, ctx, required=False) or {}
        if not isinstance(options, dict):
            raise ApiError(400, "DeleteOptions must be a JSON object")
        for key in ("propagationPolicy", "gracePeriodSeconds", "orphanDependents"):
            if key in query:
                value: Any = query[key]
                if key == "gracePeriodSeconds":
                    value = int(value)
                elif key == "orphanDependents":
                    value = value in _TRUE
                options[key] = value
        dry_run = dry_run or "All" in (options.get("dryRun") or [])
        if info.verb == "delete":
            return json_response(ctx.deleter.delete(resource_type, version, namespace, name, options, dry_run))
        return json_response(
            ctx.deleter.delete_collection(
                resource_type,
                version,
                namespace,
                query.get("labelSelector"),
                query.get("fieldSelector"),
                options,
                dry_run,
            )
        )
    raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")


async def _review(
    request: web.Request, ctx: ApiContext, info: RequestInfo, user: UserInfo, resource_type: ResourceType
) -> web.Response:
    """Create-only kinds answered by the auth package and never stored."""
    if info.verb != "create":
        raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
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
        raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
    return json_response(result, 201)


async def _runtime_subresource(
    request: web.Request, ctx: ApiContext, info: RequestInfo, handler: str
) -> web.StreamResponse:
    """pods/log and services/proxy belong to the runtime; imported lazily so the core stands alone."""
    if handler == "pod_log" and info.verb != "get":
        raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
    try:
        from localkube.runtime import subresources  # noqa: PLC0415 - optional at import time
    except ImportError:
        raise ApiError(503, "the localkube pod runtime is not installed", "ServiceUnavailable") from None
    namespace = info.namespace or ""  # pods and services are namespaced: "" finds nothing, a 404
    if handler == "pod_log":
        return await subresources.pod_log(request, ctx.store, ctx.state_dir, namespace, info.name)
    return await subresources.service_proxy(request, ctx.store, namespace, info.name, info.rest)
