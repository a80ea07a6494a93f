"""Non-resource endpoints: health, version, discovery documents, OpenAPI, the service-account
issuer's OIDC documents, and localkube's own test instruments (fault switch, request log)."""

from __future__ import annotations

import json

from aiohttp import web

from localkube import discovery
from localkube.codec import json_response
from localkube.context import ApiContext
from localkube.errors import ApiError, unknown_resource


async def serve_non_resource(request: web.Request, ctx: ApiContext, base_url: str) -> web.StreamResponse:
    """Everything outside /api/{v}/… and /apis/{g}/{v}/…: health, version, discovery, OpenAPI, OIDC."""
    path = request.path.rstrip("/") or "/"
    registry = ctx.registry
    if request.method == "GET":
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok")
        if path == "/version":
            return json_response(discovery.SERVER_VERSION)
        if path == "/api":
            return json_response(discovery.api_versions(ctx.server_address))
        if path == "/apis":
            return json_response(discovery.api_group_list(registry))
        parts = path.strip("/").split("/")
        if parts[0] == "api" and len(parts) == 2:
            body = discovery.resource_list(registry, "", parts[1])
            if body is not None:
                return json_response(body)
        if parts[0] == "apis" and len(parts) == 2:
            body = discovery.api_group(registry, parts[1])
            if body is not None:
                return json_response(body)
        if parts[0] == "apis" and len(parts) == 3:
            body = discovery.resource_list(registry, parts[1], parts[2])
            if body is not None:
                return json_response(body)
        if path == "/openapi/v2":
            return web.Response(body=ctx.openapi.v2(), content_type="application/json")
        if path == "/openapi/v3":
            return json_response(ctx.openapi.v3_root())
        if path.startswith("/openapi/v3/"):
            document = ctx.openapi.v3_group(path[len("/openapi/v3/") :])
            if document is not None:
                return web.Response(
                    body=document, content_type="application/json", headers={"Cache-Control": "no-cache, private"}
                )
        if path == "/.well-known/openid-configuration":
            return json_response(ctx.authenticator.openid_configuration(f"{base_url}/openid/v1/jwks"))
        if path == "/openid/v1/jwks":
            return json_response(ctx.authenticator.jwks())
    if path.startswith("/localkube/"):
        return await _admin(request, ctx, path)
    raise unknown_resource()


async def _admin(request: web.Request, ctx: ApiContext, path: str) -> web.StreamResponse:
    """Test instruments, for admins only: the fault switch and the request log."""
    if path == "/localkube/faults":
        if request.method == "PUT":
            try:
                settings = json.loads(await request.read() or b"{}")
                config = ctx.faults.configure(**settings) if settings else ctx.faults.reset()
            except (ValueError, TypeError) as error:
                raise ApiError(400, f"invalid fault settings: {error}") from None
            return json_response(config.__dict__)
        if request.method == "GET":
            return json_response(ctx.faults.config.__dict__)
    if path == "/localkube/requests" and request.method == "GET":
        since = int(request.query.get("since", "0") or 0)
        return json_response(
            {
                "mark": ctx.request_log.mark(),
                "writes": ctx.request_log.writes_since(since),
                "items": ctx.request_log.as_json(since),
            }
        )
    raise unknown_resource()
