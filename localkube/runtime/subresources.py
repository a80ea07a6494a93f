"""The pod ``/log`` and service ``/proxy`` subresources. The core dispatches here after authn/authz.

Both read the current state through the core's ``ObjectReader``: logs come from the files the
kubelet writes, and the proxy forwards to the host port the kubelet allocated to a ready pod.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from localkube.codec import json_response
from localkube.errors import status_body
from localkube.interfaces import ObjectReader
from localkube.runtime.constants import COND_READY, HOST_PORTS_ANNOTATION
from localkube.runtime.volumes import log_dir

# Hop-by-hop headers (RFC 9110 §7.6.1) and ones aiohttp recomputes; never forwarded.
_HOP_HEADERS = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
# kube-apiserver consumes the caller's credentials and impersonation request (its authentication
# and impersonation filters delete these headers), so the pod never sees the caller's token.
_CREDENTIAL_HEADERS = {"authorization"}
_IMPERSONATION_PREFIX = "impersonate-"
_WAITING_MESSAGES = {
    "ErrImagePull": "trying and failing to pull image",
    "ImagePullBackOff": "trying and failing to pull image",
}
FOLLOW_POLL_SECONDS = 0.2


def _error(code: int, message: str, reason: str) -> web.Response:
    return json_response(status_body(code, message, reason), code)


# -- logs ----------------------------------------------------------------------------------------


def _tail(data: bytes, lines: int | None) -> bytes:
    if lines is None:
        return data
    if lines <= 0:
        return b""
    parts = data.splitlines(keepends=True)
    return b"".join(parts[-lines:])


def _container_status(pod: dict[str, Any], name: str) -> dict[str, Any]:
    status = pod.get("status") or {}
    for entry in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]:
        if entry.get("name") == name:
            return entry
    return {}


def choose_container(pod: dict[str, Any], requested: str | None) -> tuple[str | None, str | None]:
    """The container whose log to serve, or the API server's error message."""
    spec = pod.get("spec") or {}
    names = [container["name"] for container in spec.get("containers") or []]
    init_names = [container["name"] for container in spec.get("initContainers") or []]
    pod_name = pod["metadata"]["name"]
    if not requested:
        if len(names) == 1:
            return names[0], None
        message = f"a container name must be specified for pod {pod_name}, choose one of: [{' '.join(names)}]"
        if init_names:
            message += f" or one of the init containers: [{' '.join(init_names)}]"
        return None, message
    if requested not in names and requested not in init_names:
        return None, f"container {requested} is not valid for pod {pod_name}"
    return requested, None


async def pod_log(
    request: web.Request, reader: ObjectReader, state_dir: Path, namespace: str, name: str
) -> web.StreamResponse:
    pod = reader.get_object("", "pods", namespace, name)
    if pod is None:
        return _error(404, f'pods "{name}" not found', "NotFound")
    container, problem = choose_container(pod, request.query.get("container"))
    if container is None:
        return _error(400, problem or "", "BadRequest")
    try:
        tail = int(request.query["tailLines"]) if "tailLines" in request.query else None
        limit = int(request.query["limitBytes"]) if "limitBytes" in request.query else None
    except ValueError:
        return _error(400, "tailLines and limitBytes must be integers", "BadRequest")
    previous = request.query.get("previous", "false").lower() in ("1", "true")
    follow = request.query.get("follow", "false").lower() in ("1", "true")
    directory = log_dir(state_dir, namespace, name, pod["metadata"].get("uid", ""))
    path = directory / f"{container}.{'previous' if previous else 'log'}"
    if not path.is_file():
        if previous:
            return _error(400, f'previous terminated container "{container}" in pod "{name}" not found', "BadRequest")
        waiting = (_container_status(pod, container).get("state") or {}).get("waiting") or {}
        reason = waiting.get("reason") or "ContainerCreating"
        detail = _WAITING_MESSAGES.get(reason, reason)
        return _error(400, f'container "{container}" in pod "{name}" is waiting to start: {detail}', "BadRequest")
    data = _tail(path.read_bytes(), tail)
    if limit is not None:
        data = data[:limit]
    if not follow or previous:
        return web.Response(body=data, content_type="text/plain", charset="utf-8")
    return await _follow(request, reader, namespace, name, container, path, data)


async def _follow(
    request: web.Request, reader: ObjectReader, namespace: str, name: str, container: str, path: Path, first: bytes
) -> web.StreamResponse:
    """Stream the log while the container runs; end once it has stopped and the file is drained."""
    response = web.StreamResponse(headers={"Content-Type": "text/plain; charset=utf-8"})
    await response.prepare(request)
    await response.write(first)
    offset = path.stat().st_size
    uid = None
    while True:
        pod = reader.get_object("", "pods", namespace, name)
        if pod is not None and uid is None:
            uid = pod["metadata"].get("uid")
        running = (
            pod is not None
            and pod["metadata"].get("uid") == uid
            and "running" in (_container_status(pod, container).get("state") or {})
        )
        try:
            with path.open("rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
        except OSError:
            chunk = b""
        if chunk:
            offset += len(chunk)
            await response.write(chunk)
        elif not running:
            break
        await asyncio.sleep(FOLLOW_POLL_SECONDS)
    await response.write_eof()
    return response


# -- service proxy -------------------------------------------------------------------------------


def parse_service_name(name: str) -> tuple[str, str, str]:
    """``svc``, ``svc:port`` or ``scheme:svc:port`` → (scheme, service, port)."""
    parts = name.split(":")
    if len(parts) == 3:
        return parts[0] or "http", parts[1], parts[2]
    if len(parts) == 2:
        return "http", parts[0], parts[1]
    return "http", name, ""


def select_service_port(service: dict[str, Any], port: str) -> dict[str, Any] | None:
    ports = (service.get("spec") or {}).get("ports") or []
    for entry in ports:
        if port and (entry.get("name") == port or str(entry.get("port")) == port):
            return entry
    if port:
        return None
    if len(ports) == 1:
        return ports[0]
    # Like kube-apiserver: without a port in the URL only an unnamed service port matches.
    return next((entry for entry in ports if not entry.get("name")), None)


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def _ready(pod: dict[str, Any]) -> bool:
    if pod["metadata"].get("deletionTimestamp"):
        return False
    return any(
        condition.get("type") == COND_READY and condition.get("status") == "True"
        for condition in (pod.get("status") or {}).get("conditions") or []
    )


def _target_container_port(pod: dict[str, Any], target: Any) -> int | None:
    if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        return int(target)
    spec = pod.get("spec") or {}
    # Like the endpoints controller: the main containers' ports, then native sidecars' (init
    # containers with restartPolicy Always).
    sidecars = [item for item in spec.get("initContainers") or [] if item.get("restartPolicy") == "Always"]
    for container in [*(spec.get("containers") or []), *sidecars]:
        for port in container.get("ports") or []:
            if port.get("name") == target:
                return int(port["containerPort"])
    return None


def service_endpoints(service: dict[str, Any], port: dict[str, Any], pods: list[dict[str, Any]]) -> list[int]:
    """Host ports of the ready pods behind a service port, in pod-name order."""
    selector = (service.get("spec") or {}).get("selector") or {}
    target = port.get("targetPort", port.get("port"))
    endpoints = []
    for pod in sorted(pods, key=lambda item: item["metadata"]["name"]):
        if not _matches(selector, pod["metadata"].get("labels") or {}) or not _ready(pod):
            continue
        container_port = _target_container_port(pod, target)
        try:
            host_ports = json.loads((pod["metadata"].get("annotations") or {}).get(HOST_PORTS_ANNOTATION, "{}"))
        except json.JSONDecodeError:
            continue
        if container_port is not None and str(container_port) in host_ports:
            endpoints.append(int(host_ports[str(container_port)]))
    return endpoints


def _forwarded(header: str) -> bool:
    name = header.lower()
    return name not in _HOP_HEADERS and name not in _CREDENTIAL_HEADERS and not name.startswith(_IMPERSONATION_PREFIX)


async def service_proxy(
    request: web.Request, reader: ObjectReader, namespace: str, name: str, path: str
) -> web.StreamResponse:
    scheme, service_name, port_name = parse_service_name(name)
    service = reader.get_object("", "services", namespace, service_name)
    if service is None:
        return _error(404, f'services "{service_name}" not found', "NotFound")
    port = select_service_port(service, port_name)
    endpoints = service_endpoints(service, port, reader.list_objects("", "pods", namespace)) if port else []
    if not endpoints:
        return _error(503, f'no endpoints available for service "{name}"', "ServiceUnavailable")
    target = f"{scheme}://127.0.0.1:{endpoints[0]}/{path.lstrip('/')}"
    headers = {key: value for key, value in request.headers.items() if _forwarded(key)}
    if request.content_length is not None:
        # Keep the length: a streamed body would otherwise go chunked, which simple servers
        # (http.server) do not read.
        headers["Content-Length"] = str(request.content_length)
    prefix = f"/api/v1/namespaces/{namespace}/services/{name}/proxy"
    # No automatic decompression: bytes pass through exactly as the pod sent them.
    async with aiohttp.ClientSession(
        auto_decompress=False, timeout=aiohttp.ClientTimeout(total=None, sock_connect=10)
    ) as session:
        try:
            upstream = await session.request(
                request.method,
                target,
                params=request.rel_url.query,
                headers=headers,
                data=request.content if request.can_read_body else None,
                allow_redirects=False,
                ssl=False,
            )
        except (aiohttp.ClientError, OSError) as error:
            return _error(503, f"error trying to reach service: {error}", "ServiceUnavailable")
        async with upstream:
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for key, value in upstream.headers.items():
                if key.lower() in _HOP_HEADERS:
                    continue
                if key.lower() == "location" and value.startswith("/"):
                    value = prefix + value  # keep redirects inside the proxy, as kube-apiserver does
                response.headers.add(key, value)
            if upstream.content_length is not None:
                response.content_length = upstream.content_length
            await response.prepare(request)
            async for chunk in upstream.content.iter_chunked(65536):
                await response.write(chunk)
            await response.write_eof()
            return response
