"""Bodies in and out: request bodies (JSON, YAML, protobuf) to dicts, dicts to kube's JSON responses."""

from __future__ import annotations

import json
from typing import Any

import yaml
from aiohttp import web

from localkube import protobuf
from localkube.context import ApiContext
from localkube.errors import ApiError

JSON = "application/json"


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


def wants_pretty(request: web.Request) -> bool:
    """kube-apiserver indents JSON for ``?pretty=true`` and for curl, Wget and browsers."""
    if "pretty" in request.query_string:
        value = request.query.get("pretty", "")
        if value:
            return value.lower() in ("1", "t", "true")
    return request.headers.get("User-Agent", "").startswith(("curl", "Wget", "Mozilla/5.0"))


def prettified(response: web.StreamResponse) -> web.StreamResponse:
    """The same JSON document indented as Go's MarshalIndent(…, "", "  ") writes it."""
    if not isinstance(response, web.Response) or response.content_type != JSON or not isinstance(response.body, bytes):
        return response  # watch streams and non-JSON bodies stay as they are
    response.body = json.dumps(json.loads(response.body), indent=2).encode() + b"\n"
    return response
