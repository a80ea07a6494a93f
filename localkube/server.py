"""The HTTPS API server: the request pipeline (authn → authz → handler), lifecycle and bootstrap."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from localkube import tls
from localkube.auth import impersonation
from localkube.background import EventWorker
from localkube.codec import json_response, prettified, wants_pretty
from localkube.collector import GarbageCollector
from localkube.context import ApiContext, ControllerContext
from localkube.deletion import Deleter
from localkube.discovery import OpenAPICache
from localkube.endpoints import serve_non_resource
from localkube.errors import ApiError, status_body
from localkube.faults import WRITE_VERBS, FaultConfig, FaultSwitch, RequestLog
from localkube.handlers import handle_resource
from localkube.host_admission import HostAccessPolicy
from localkube.interfaces import UserInfo
from localkube.journal import Journal
from localkube.namespaces import NamespaceController
from localkube.node import NODE_NAME, node_object
from localkube.operations import CRD_KEY, ObjectService
from localkube.registry import Registry, ResourceType
from localkube.routing import RequestInfo, parse
from localkube.store import Store
from localkube.write_admission import WriteAdmission

logger = logging.getLogger(__name__)
Controller = Callable[[ControllerContext], Awaitable[None]]
MASTERS = "system:masters"
ADMIN_USERNAME = "localkube-admin"
INFO_KEY = web.RequestKey("localkube_request_info", RequestInfo)
USER_KEY = web.RequestKey("localkube_user", UserInfo)
SOCKET_NAME = "api.sock"
MAX_SOCKET_PATH = 108  # sun_path, with its terminating NUL
_PUBLIC_PATHS = ("/healthz", "/livez", "/readyz", "/version")
# Discovery and OpenAPI are open to every authenticated user (kube's system:discovery role).
_DISCOVERY_PREFIXES = (
    "/api",
    "/apis",
    "/openapi",
    "/version",
    "/healthz",
    "/livez",
    "/readyz",
    "/.well-known",
    "/openid",
)


class LocalKubeServer:
    """One API server over one state dir. ``await start()``, then ``url``; ``await stop()``."""

    def __init__(
        self,
        state_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 6443,
        tokens_file: Path | None = None,
        image_map_file: Path | None = None,
        watch_history: int = 10000,
        controllers: list[Controller] | None = None,
        faults: FaultConfig | None = None,
        bookmark_interval: float = 10.0,
        request_log_size: int = 10000,
        fsync: bool = True,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.host = host
        self.port = port
        self.tokens_file = tokens_file
        self.image_map_file = image_map_file
        self.watch_history = watch_history
        self.controllers = list(controllers or [])
        self.faults = FaultSwitch(faults)
        self.request_log = RequestLog(request_log_size)
        self.bookmark_interval = bookmark_interval
        self.fsync = fsync
        self._runner: web.AppRunner | None = None
        self._controller_tasks: list[asyncio.Task[Any]] = []
        self.admin_token = ""
        self.url = ""
        self.kubeconfig_path = self.state_dir / tls.KUBECONFIG
        self.ca_file = self.state_dir / tls.CA_CERT
        self.ctx: ApiContext | None = None
        self._workers: list[EventWorker] = []
        self._socket_path: Path | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        ca_file, cert_file, key_file = tls.ensure_certificates(self.state_dir)
        self.admin_token = tls.ensure_admin_token(self.state_dir)
        store = Store(Journal(self.state_dir / "store", fsync=self.fsync), history_size=self.watch_history)
        store.load()
        registry = Registry()
        for crd in store.objects_of(*CRD_KEY):
            registry.register_crd(crd)
        service = ObjectService(store, registry)
        openapi = OpenAPICache(registry)
        service.on_schema_change.append(openapi.invalidate)
        deleter = Deleter(service)
        self._workers = [GarbageCollector(deleter), NamespaceController(deleter)]
        from localkube.auth import Authenticator, RBACAuthorizer, reviews  # noqa: PLC0415 - auth is a peer package
        from localkube.auth.escalation import EscalationGuard  # noqa: PLC0415

        authenticator = Authenticator(self.tokens_file, self.state_dir, store)
        authenticator.add_static_token(self.admin_token, ADMIN_USERNAME, groups=(MASTERS,))
        authorizer = RBACAuthorizer(store)
        self.ctx = ApiContext(
            store=store,
            registry=registry,
            service=service,
            deleter=deleter,
            openapi=openapi,
            authenticator=authenticator,
            authorizer=authorizer,
            reviews=reviews,
            faults=self.faults,
            request_log=self.request_log,
            state_dir=self.state_dir,
            admission=WriteAdmission(EscalationGuard(authorizer, store), HostAccessPolicy(self._mapped_images())),
            bookmark_interval=self.bookmark_interval,
        )
        self._bootstrap()
        app = web.Application(client_max_size=8 * 1024 * 1024, middlewares=[self._pipeline])
        app.router.add_route("*", "/{tail:.*}", self._route)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner,
            self.host,
            self.port,
            ssl_context=tls.server_ssl_context(cert_file, key_file),
            reuse_address=True,
            backlog=1024,
        )
        await site.start()
        server = site._server
        if server is not None and self.port == 0:
            sockets = getattr(server, "sockets", None) or []
            self.port = next(s.getsockname()[1] for s in sockets if s.family in (socket.AF_INET, socket.AF_INET6))
        socket_path = await self._start_socket_site()
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host  # noqa: S104 - mapping, not binding
        self.url = f"https://{host}:{self.port}"
        self.ctx.server_address = f"{host}:{self.port}"
        self.kubeconfig_path = tls.write_kubeconfig(self.state_dir, self.url, ca_file, self.admin_token)
        for worker in self._workers:
            worker.start()
        controller_ctx = ControllerContext(
            self.url, self.admin_token, ca_file, self.state_dir, self.image_map_file, store, socket_path
        )
        for controller in self.controllers:
            result = controller(controller_ctx)
            if inspect.isawaitable(result):
                self._controller_tasks.append(asyncio.ensure_future(result))
        logger.info("localkube serving on %s (state in %s)", self.url, self.state_dir)

    async def _start_socket_site(self) -> Path | None:
        """Serve the app on a Unix socket in the state dir too, for the controllers in this process.

        They are clients like any other (token, authorization, request log), but TLS on loopback
        between two parts of one process cost both ends: the runtime's requests, about two
        thirds of a burst's, spent a sizable share of the server's CPU encrypting and decrypting."""
        assert self._runner is not None
        path = self.state_dir / SOCKET_NAME
        if len(os.fsencode(path)) >= MAX_SOCKET_PATH:
            return None  # too long for sockaddr_un: the controllers use HTTPS
        site = web.UnixSite(self._runner, str(path))
        await site.start()
        path.chmod(0o600)
        self._socket_path = path
        return path

    async def stop(self) -> None:
        for task in self._controller_tasks:
            task.cancel()
        for task in self._controller_tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._controller_tasks.clear()
        if self.ctx is not None:
            self.ctx.store.close_watchers()
        for worker in self._workers:
            await worker.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._socket_path is not None:
            with contextlib.suppress(OSError):
                self._socket_path.unlink()
            self._socket_path = None
        if self.ctx is not None and self.ctx.store.journal is not None:
            self.ctx.store.journal.close()

    def _mapped_images(self) -> Callable[[str], bool]:
        """Whether an image runs as a host process: it is in the runtime's image map."""
        try:
            from localkube.runtime.controllers import DEFAULT_IMAGE_MAP_NAME  # noqa: PLC0415
            from localkube.runtime.imagemap import ImageMapFile  # noqa: PLC0415
        except ImportError:
            return lambda image: False  # no runtime: no image ever runs
        image_map = ImageMapFile(self.image_map_file or self.state_dir / DEFAULT_IMAGE_MAP_NAME)
        return lambda image: image_map.current().resolve(image) is not None

    def _bootstrap(self) -> None:
        """Objects every cluster has: default namespaces, the node, the default RBAC policy."""
        assert self.ctx is not None
        service, registry = self.ctx.service, self.ctx.registry

        def builtin(group: str, resource: str) -> ResourceType:
            resource_type = registry.get(group, resource)
            assert resource_type is not None, f"{resource} is a built-in resource"
            return resource_type

        for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
            if self.ctx.store.get("", "namespaces", "", name) is None:
                service.create(builtin("", "namespaces"), "v1", None, {"metadata": {"name": name}})
        if self.ctx.store.get("", "nodes", "", NODE_NAME) is None:
            node_type = builtin("", "nodes")
            manifest = node_object()
            node = service.create(node_type, "v1", None, manifest).obj
            # A kubelet posts node status after registering; the runtime's kubelet keeps it fresh.
            service.update(
                node_type, "v1", None, NODE_NAME, {**node, "status": manifest["status"]}, subresource="status"
            )
        from localkube.auth import bootstrap  # noqa: PLC0415

        for resource, objects in (
            ("clusterroles", bootstrap.default_cluster_roles()),
            ("clusterrolebindings", bootstrap.default_cluster_role_bindings()),
        ):
            resource_type = builtin("rbac.authorization.k8s.io", resource)
            for obj in objects:
                if self.ctx.store.get("rbac.authorization.k8s.io", resource, "", obj["metadata"]["name"]) is None:
                    service.create(resource_type, "v1", None, obj)

    # -- the request pipeline ------------------------------------------------------------------
    @web.middleware
    async def _pipeline(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        ctx = self.ctx
        assert ctx is not None
        info = parse(request.method, request.path, dict(request.query))
        request[INFO_KEY] = info
        username = ""
        try:
            latency = ctx.faults.latency_seconds()
            if latency:
                await asyncio.sleep(latency)
            user = self._authenticate(request)
            if user is None:
                if request.path in _PUBLIC_PATHS:
                    user = UserInfo("system:anonymous", groups=("system:unauthenticated",))
                else:
                    raise ApiError(401, "Unauthorized", "Unauthorized")
            if impersonation.wants_impersonation(request.headers):
                user = impersonation.impersonated_user(user, request.headers, ctx.authorizer.authorize)
            username = user.username
            request[USER_KEY] = user
            self._authorize(info, user)
            if info.is_resource and info.verb in WRITE_VERBS and info.subresource not in ("proxy", "token"):
                code = ctx.faults.write_error()
                if code is not None:
                    reason = "Conflict" if code == 409 else "InternalError" if code == 500 else "ServiceUnavailable"
                    raise ApiError(code, f"localkube fault injection: {reason}", reason)
            response = await handler(request)
        except ApiError as error:
            response = json_response(error.status_body(), error.code)
        except web.HTTPException:
            raise
        except Exception as error:
            from localkube.auth.errors import AuthError  # noqa: PLC0415 - auth is a peer package

            if isinstance(error, AuthError):
                details = error.details or None
                response = json_response(status_body(error.code, error.message, error.reason, details), error.code)
            else:
                logger.exception("localkube: internal error on %s %s", request.method, request.path)
                response = json_response(status_body(500, f"Internal error occurred: {error}", "InternalError"), 500)
        ctx.request_log.add(request.method, request.path, username, info.verb, response.status)
        # A proxied answer (services/proxy) or a log is the pod's own bytes: never re-indented.
        if info.subresource not in ("proxy", "log") and wants_pretty(request):
            return prettified(response)
        return response

    def _authenticate(self, request: web.Request) -> UserInfo | None:
        assert self.ctx is not None
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else None
        return self.ctx.authenticator.authenticate(token)

    def _authorize(self, info: RequestInfo, user: UserInfo) -> None:
        assert self.ctx is not None
        if MASTERS in user.groups:
            return
        if not info.is_resource:
            if info.path.startswith("/localkube"):
                raise ApiError(
                    403, f'forbidden: User "{user.username}" cannot {info.verb} path "{info.path}"', "Forbidden"
                )
            if info.path.startswith(_DISCOVERY_PREFIXES) or info.path == "/":
                return
        attributes = info.attributes(user)
        allowed, reason = self.ctx.authorizer.authorize(attributes)
        if not allowed:
            from localkube.auth import forbidden_status  # noqa: PLC0415

            body = forbidden_status(attributes, reason)
            raise ApiError(403, body["message"], "Forbidden", body.get("details"))

    async def _route(self, request: web.Request) -> web.StreamResponse:
        ctx = self.ctx
        assert ctx is not None
        info = request[INFO_KEY]
        if info.is_resource:
            return await handle_resource(request, ctx, info, request[USER_KEY])
        return await serve_non_resource(request, ctx, self.url)
