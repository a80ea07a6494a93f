"""Typed gateway over the Kubernetes API for AgenticSessions and the few other objects we touch.

The only module in `sessions` that talks to the `kubernetes` package (clients come from
`ambient.kube`). Objects travel as plain dicts exactly as the API server sends them (raw JSON, no
model classes), and every Kubernetes error leaves as an `ApplicationError` (404 → NotFound, 409 →
Conflict, …) so services never see `ApiException`. General enough for the reconciler to reuse.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

from ambient import kube
from ambient.contract import GROUP, PLURAL, VERSION
from ambient.exceptions import ApplicationError, Conflict, NotFound, kubernetes_error

KubeObject = dict[str, Any]
T = TypeVar("T")

# Reason the API server gives on create when the name is taken (a 409 that retrying cannot fix).
REASON_ALREADY_EXISTS = "AlreadyExists"


@dataclass(frozen=True)
class Identity:
    """Who a token belongs to, as the API server's TokenReview reports it."""

    username: str
    uid: str = ""
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccessCheck:
    """The attributes of one SelfSubjectAccessReview (resource requests only)."""

    namespace: str
    verb: str
    resource: str = PLURAL
    group: str = GROUP
    name: str = ""
    subresource: str = ""


def is_already_exists(error: ApplicationError) -> bool:
    return isinstance(error, Conflict) and error.details.get("kubernetes", {}).get("reason") == REASON_ALREADY_EXISTS


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except ApiException as exc:
        raise kubernetes_error(exc) from exc


def _json(response: Any) -> Any:
    data = response.data
    return json.loads(data) if data else {}


class KubeGateway:
    """Calls made with one identity (the caller's token or the control plane's own)."""

    def __init__(self, api_client: client.ApiClient) -> None:
        self.api_client = api_client
        self._custom = client.CustomObjectsApi(api_client)
        self._core = client.CoreV1Api(api_client)
        self._batch = client.BatchV1Api(api_client)
        self._rbac = client.RbacAuthorizationV1Api(api_client)
        self._authorization = client.AuthorizationV1Api(api_client)
        self._authentication = client.AuthenticationV1Api(api_client)
        self._apiextensions = client.ApiextensionsV1Api(api_client)

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        # Raw JSON keeps the objects exactly as stored (camelCase keys, unknown fields) and is faster
        # than building model classes we would turn back into dicts.
        with _translated():
            response = method(*args, _preload_content=False, _request_timeout=kube.request_timeout(), **kwargs)
        return _json(response)

    # --- AgenticSessions ---------------------------------------------------------------------------

    def session_get(self, *, namespace: str, name: str) -> KubeObject:
        return self._call(self._custom.get_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL, name)

    def session_list(self, *, namespace: str, label_selector: str | None = None) -> list[KubeObject]:
        kwargs = {"label_selector": label_selector} if label_selector else {}
        listed = self._call(self._custom.list_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL, **kwargs)
        return list(listed.get("items") or [])

    def session_create(self, *, namespace: str, body: KubeObject) -> KubeObject:
        return self._call(self._custom.create_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL, body)

    def session_replace(self, *, namespace: str, name: str, body: KubeObject) -> KubeObject:
        """PUT the whole object; `body.metadata.resourceVersion` makes a stale write fail with 409."""
        return self._call(self._custom.replace_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL, name, body)

    def session_merge_patch(self, *, namespace: str, name: str, patch: KubeObject) -> KubeObject:
        """JSON merge patch; include `metadata.resourceVersion` in `patch` for optimistic concurrency."""
        return self._call(self._custom.patch_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL, name, patch)

    def session_status_merge_patch(self, *, namespace: str, name: str, patch: KubeObject) -> KubeObject:
        """Merge patch on the status subresource (the reconciler's; the API never calls this)."""
        return self._call(
            self._custom.patch_namespaced_custom_object_status, GROUP, VERSION, namespace, PLURAL, name, patch
        )

    def session_delete(self, *, namespace: str, name: str) -> None:
        self._call(self._custom.delete_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL, name)

    # --- Namespaces and bindings -------------------------------------------------------------------

    def namespace_get(self, *, name: str) -> KubeObject:
        return self._call(self._core.read_namespace, name)

    def namespace_list(self, *, label_selector: str | None = None) -> list[KubeObject]:
        kwargs = {"label_selector": label_selector} if label_selector else {}
        return list(self._call(self._core.list_namespace, **kwargs).get("items") or [])

    def namespace_create(self, *, body: KubeObject) -> KubeObject:
        return self._call(self._core.create_namespace, body)

    def namespace_delete(self, *, name: str) -> None:
        self._call(self._core.delete_namespace, name)

    def role_binding_create(self, *, namespace: str, body: KubeObject) -> KubeObject:
        return self._call(self._rbac.create_namespaced_role_binding, namespace, body)

    # --- Objects a session owns (read-only here) ---------------------------------------------------

    def job_get(self, *, namespace: str, name: str) -> KubeObject | None:
        return self._get_or_none(self._batch.read_namespaced_job, name, namespace)

    def pod_list(self, *, namespace: str, label_selector: str) -> list[KubeObject]:
        pods = self._call(self._core.list_namespaced_pod, namespace, label_selector=label_selector)
        return list(pods.get("items") or [])

    def pvc_get(self, *, namespace: str, name: str) -> KubeObject | None:
        return self._get_or_none(self._core.read_namespaced_persistent_volume_claim, name, namespace)

    def service_get(self, *, namespace: str, name: str) -> KubeObject | None:
        return self._get_or_none(self._core.read_namespaced_service, name, namespace)

    def _get_or_none(self, method: Callable[..., Any], *args: Any) -> KubeObject | None:
        try:
            return self._call(method, *args)
        except NotFound:
            return None

    # --- Cluster-scoped definitions (install_crds) -------------------------------------------------

    def apply(self, *, body: KubeObject) -> str:
        """Create or replace one CustomResourceDefinition or ClusterRole; returns "created"/"updated"."""
        kind = body.get("kind")
        read: Callable[..., Any]
        create: Callable[..., Any]
        replace: Callable[..., Any]
        if kind == "CustomResourceDefinition":
            read, create, replace = (
                self._apiextensions.read_custom_resource_definition,
                self._apiextensions.create_custom_resource_definition,
                self._apiextensions.replace_custom_resource_definition,
            )
        elif kind == "ClusterRole":
            read, create, replace = (
                self._rbac.read_cluster_role,
                self._rbac.create_cluster_role,
                self._rbac.replace_cluster_role,
            )
        else:
            raise ValueError(f"apply supports CustomResourceDefinition and ClusterRole, not {kind}")
        name = body["metadata"]["name"]

        def write() -> str:
            try:
                current = self._call(read, name)
            except NotFound:
                self._call(create, body)
                return "created"
            desired = {
                **body,
                "metadata": {**body["metadata"], "resourceVersion": current["metadata"]["resourceVersion"]},
            }
            self._call(replace, name, desired)
            return "updated"

        return retry_on_conflict(write)

    # --- Who is calling, and what may they do ------------------------------------------------------

    def access_review(self, check: AccessCheck) -> bool:
        """SelfSubjectAccessReview for this gateway's identity."""
        attributes = {
            "namespace": check.namespace,
            "verb": check.verb,
            "group": check.group,
            "resource": check.resource,
        }
        if check.name:
            attributes["name"] = check.name
        if check.subresource:
            attributes["subresource"] = check.subresource
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attributes},
        }
        review = self._call(self._authorization.create_self_subject_access_review, body)
        return bool((review.get("status") or {}).get("allowed"))

    def token_review(self, *, token: str) -> Identity | None:
        """Who `token` belongs to (needs the control plane's identity); None when not authenticated."""
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}}
        review = self._call(self._authentication.create_token_review, body)
        status = review.get("status") or {}
        if not status.get("authenticated"):
            return None
        user = status.get("user") or {}
        return Identity(
            username=str(user.get("username") or ""),
            uid=str(user.get("uid") or ""),
            groups=tuple(str(group) for group in user.get("groups") or ()),
        )


def is_write_race(error: BaseException) -> bool:
    """A write refused by the API server because the object changed under it (409, not AlreadyExists).

    Our own phase conflicts carry no `kubernetes` details and are never races.
    """
    return isinstance(error, Conflict) and "kubernetes" in error.details and not is_already_exists(error)


def retry_on_conflict(operation: Callable[[], T], *, deadline_seconds: float | None = None) -> T:
    """Run a read-modify-write `operation` again while its write loses a race, until a deadline.

    Waits grow exponentially with full jitter, so many writers of one object spread out instead of
    colliding again in lockstep; the last error is raised once the deadline has passed.
    """
    deadline = settings.KUBE_CONFLICT_RETRY_DEADLINE_SECONDS if deadline_seconds is None else deadline_seconds
    retrying = Retrying(
        retry=retry_if_exception(is_write_race),
        wait=wait_random_exponential(
            multiplier=settings.KUBE_CONFLICT_RETRY_BASE_SECONDS, max=settings.KUBE_CONFLICT_RETRY_MAX_WAIT_SECONDS
        ),
        stop=stop_after_delay(deadline),
        reraise=True,
    )
    return retrying(operation)


# --- Client reuse ----------------------------------------------------------------------------------
# An ApiClient owns a connection pool; building one per request would pay a TLS handshake every time.
# Clients are kept per (token digest, API server) in a small LRU.

_CLIENT_CACHE_SIZE = 256
_clients: OrderedDict[tuple[str, str], client.ApiClient] = OrderedDict()
_clients_lock = threading.Lock()
_CONTROL_PLANE = "control-plane"


def _cached_client(key: str, build: Callable[[], client.ApiClient]) -> client.ApiClient:
    cache_key = (key, kube.api_server_url())
    with _clients_lock:
        cached = _clients.get(cache_key)
        if cached is not None:
            _clients.move_to_end(cache_key)
            return cached
    built = build()
    with _clients_lock:
        _clients[cache_key] = built
        while len(_clients) > _CLIENT_CACHE_SIZE:
            _clients.popitem(last=False)
    return built


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_gateway(token: str) -> KubeGateway:
    """Acts as the caller: Kubernetes RBAC decides every call."""
    return KubeGateway(_cached_client(token_digest(token), lambda: kube.user_client(token)))


def control_plane_gateway() -> KubeGateway:
    """Acts as the control plane itself; only for the narrow operations the design names."""
    return KubeGateway(_cached_client(_CONTROL_PLANE, kube.control_plane_client))


def forget_clients() -> None:
    """Drop cached clients (tests switch clusters; call after `ambient.kube.reset_cache()`)."""
    with _clients_lock:
        _clients.clear()
