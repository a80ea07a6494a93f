"""Calls to the Kubernetes API with one identity: one generic request, and the calls built on it.

Objects travel as plain dicts exactly as the API server sends them (raw JSON, no model classes:
faster, keeps unknown fields, and spares each process the client's ~20 MB of models). Every
request goes through the real client's HTTP layer (`ApiClient.param_serialize` + `call_api`), so
TLS, proxies and token refresh are the client's; every failure leaves as an `ApplicationError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kubernetes.client import ApiClient, ApiException
from urllib3.exceptions import HTTPError

from ambient.contract import GROUP, PLURAL
from ambient.exceptions import NotFound, Unauthenticated
from ambient.kube import config
from ambient.kube.errors import error_from_response, retry_on_conflict, unreachable
from ambient.kube.resources import (
    SELF_SUBJECT_ACCESS_REVIEW,
    SERVICE_ACCOUNT,
    SESSION,
    TOKEN_REVIEW,
    Resource,
    resource_for,
)
from ambient.kube.watch import Expired, WatchStream

KubeObject = dict[str, Any]
KubeObjects = list[KubeObject]  # named outside the class, whose `list` method would shadow the builtin
Kind = Resource | str
JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
Timeout = float | tuple[float, float]


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


class KubeGateway:
    def __init__(self, api_client: ApiClient, *, renew: Callable[[], ApiClient] | None = None) -> None:
        self.api_client = api_client
        # The control plane's credentials may rotate under a long-lived client: on 401 a client
        # built from re-read credentials gets one more try. A caller's 401 is final.
        self._renew = renew

    # --- the one request path ---------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        content_type: str = JSON,
        timeout: Timeout | None = None,
    ) -> KubeObject:
        """One call; the decoded JSON answer ({} when empty)."""
        response = self.open(method, path, body=body, query=query, content_type=content_type, timeout=timeout)
        try:
            data = response.data
        finally:
            response.release_conn()
        return json.loads(data) if data else {}

    def open(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        content_type: str = JSON,
        timeout: Timeout | None = None,
        accept: str = JSON,
    ) -> Any:
        """One call whose answer is not read yet: the urllib3 response (a stream, a proxied body)."""
        try:
            return self._send(method, path, body, query, content_type, timeout, accept)
        except Unauthenticated:
            if self._renew is None:
                raise
        self.api_client = self._renew()
        return self._send(method, path, body, query, content_type, timeout, accept)

    def _send(
        self,
        method: str,
        path: str,
        body: Any,
        query: Mapping[str, Any] | None,
        content_type: str,
        timeout: Timeout | None,
        accept: str,
    ) -> Any:
        headers = {"Accept": accept}
        if body is not None:
            headers["Content-Type"] = content_type
        # The body is left out of param_serialize, whose sanitizer walks every value of it in Python
        # (~0.2 ms for a Job manifest) to turn client models and datetimes into JSON: ours are JSON.
        method, url, header_params, _, _ = self.api_client.param_serialize(
            method=method,
            resource_path=path,
            query_params=[(key, value) for key, value in (query or {}).items() if value is not None],
            header_params=headers,
            auth_settings=["BearerToken"],
        )
        try:
            response = self._call(method, url, header_params, body, timeout or config.request_timeout())
        except ApiException as error:
            raise error_from_response(int(error.status or 0), error.body, str(error.reason or "")) from error
        except (HTTPError, OSError) as error:
            raise unreachable(error) from error
        if not 200 <= response.status <= 299:
            data = response.read()
            response.response.release_conn()
            raise error_from_response(response.status, data, str(response.reason or ""))
        return response.response

    def _call(self, method: str, url: str, headers: Any, body: Any, timeout: Timeout) -> Any:
        try:
            return self.api_client.call_api(method, url, headers, body, _request_timeout=timeout)
        except TypeError:
            # Not JSON as it stands (a client model, a datetime): the client's json.dumps refused it
            # before sending a byte, and its sanitizer makes it JSON, as param_serialize would have.
            sanitized = self.api_client.sanitize_for_serialization(body)
            return self.api_client.call_api(method, url, headers, sanitized, _request_timeout=timeout)

    # --- any kind in the resource table (a Resource, or a kind name such as a manifest's) ------------

    def read(self, kind: Kind, namespace: str | None, name: str) -> KubeObject:
        """The object; NotFound when there is none."""
        return self.request("GET", resource_for(kind).path(namespace, name))

    def get(self, kind: Kind, namespace: str | None, name: str) -> KubeObject | None:
        """The object, or None when there is none."""
        try:
            return self.read(kind, namespace, name)
        except NotFound:
            return None

    def list(self, kind: Kind, namespace: str | None = None, *, label_selector: str | None = None) -> KubeObjects:
        """Every item (all namespaces when `namespace` is None)."""
        listed = self.request("GET", resource_for(kind).path(namespace), query={"labelSelector": label_selector})
        return list(listed.get("items") or [])

    def create(self, kind: Kind, namespace: str | None, body: Mapping[str, Any]) -> KubeObject:
        return self.request("POST", resource_for(kind).path(namespace), body=dict(body))

    def replace(self, kind: Kind, namespace: str | None, name: str, body: Mapping[str, Any]) -> KubeObject:
        """PUT the whole object; `body.metadata.resourceVersion` makes a stale write fail with Conflict."""
        return self.request("PUT", resource_for(kind).path(namespace, name), body=dict(body))

    def patch(
        self, kind: Kind, namespace: str | None, name: str, patch: Mapping[str, Any], *, subresource: str = ""
    ) -> KubeObject:
        """JSON merge patch; include `metadata.resourceVersion` in `patch` for optimistic concurrency."""
        path = resource_for(kind).path(namespace, name, subresource)
        return self.request("PATCH", path, body=dict(patch), content_type=MERGE_PATCH)

    def delete(self, kind: Kind, namespace: str | None, name: str, *, propagation: str | None = None) -> None:
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation} if propagation else None
        self.request("DELETE", resource_for(kind).path(namespace, name), body=body)

    def apply(self, body: Mapping[str, Any]) -> str:
        """Create or replace one cluster-scoped object (a CRD, a ClusterRole); "created" or "updated"."""
        kind, name = str(body["kind"]), str(body["metadata"]["name"])

        def write() -> str:
            current = self.get(kind, None, name)
            if current is None:
                self.create(kind, None, body)
                return "created"
            version = current["metadata"]["resourceVersion"]
            self.replace(kind, None, name, {**body, "metadata": {**body["metadata"], "resourceVersion": version}})
            return "updated"

        return retry_on_conflict(write)

    # --- AgenticSessions, as the API reads and writes them ----------------------------------------

    def session_get(self, *, namespace: str, name: str) -> KubeObject:
        return self.read(SESSION, namespace, name)

    def session_list(self, *, namespace: str, label_selector: str | None = None) -> KubeObjects:
        return self.list(SESSION, namespace, label_selector=label_selector)

    def session_create(self, *, namespace: str, body: Mapping[str, Any]) -> KubeObject:
        return self.create(SESSION, namespace, body)

    def session_replace(self, *, namespace: str, name: str, body: Mapping[str, Any]) -> KubeObject:
        return self.replace(SESSION, namespace, name, body)

    def session_merge_patch(self, *, namespace: str, name: str, patch: Mapping[str, Any]) -> KubeObject:
        return self.patch(SESSION, namespace, name, patch)

    def session_delete(self, *, namespace: str, name: str) -> None:
        self.delete(SESSION, namespace, name)

    # --- watching ---------------------------------------------------------------------------------

    def list_page(
        self,
        kind: Kind,
        namespace: str | None,
        *,
        label_selector: str | None,
        limit: int,
        continue_token: str | None,
        timeout: Timeout | None = None,
    ) -> KubeObject:
        """One page of a paginated list; Expired when the continue token fell out of history."""
        query = {"limit": limit, "labelSelector": label_selector, "continue": continue_token}
        with Expired.on_gone():
            return self.request("GET", resource_for(kind).path(namespace), query=query, timeout=timeout)

    def watch(
        self,
        kind: Kind,
        namespace: str | None,
        *,
        label_selector: str | None,
        resource_version: str,
        timeout_seconds: int,
        timeout: Timeout | None = None,
    ) -> WatchStream:
        """A watch from `resource_version` with bookmarks; Expired when that version is gone."""
        query = {
            "watch": "true",
            "allowWatchBookmarks": "true",
            "resourceVersion": resource_version,
            "timeoutSeconds": timeout_seconds,
            "labelSelector": label_selector,
        }
        with Expired.on_gone():
            return WatchStream(self.open("GET", resource_for(kind).path(namespace), query=query, timeout=timeout))

    # --- identities, access and events ------------------------------------------------------------

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
        review = self._review(SELF_SUBJECT_ACCESS_REVIEW, {"resourceAttributes": attributes})
        return bool(review.get("allowed"))

    def token_review(self, *, token: str) -> Identity | None:
        """Who `token` belongs to (needs the control plane's identity); None when not authenticated."""
        review = self._review(TOKEN_REVIEW, {"token": token})
        if not review.get("authenticated"):
            return None
        user = review.get("user") or {}
        return Identity(
            username=str(user.get("username") or ""),
            uid=str(user.get("uid") or ""),
            groups=tuple(str(group) for group in user.get("groups") or ()),
        )

    def _review(self, resource: Resource, spec: KubeObject) -> KubeObject:
        body = {"apiVersion": resource.api_version, "kind": resource.kind, "spec": spec}
        return self.create(resource, None, body).get("status") or {}

    def token_request(
        self,
        namespace: str,
        service_account: str,
        expiration_seconds: int,
        *,
        bound_object: Mapping[str, str] | None = None,
    ) -> str:
        """A token for the ServiceAccount; with `bound_object` (a Pod or Secret reference) it is valid
        only while that object exists, as kube-apiserver enforces."""
        spec: dict[str, Any] = {"expirationSeconds": expiration_seconds}
        if bound_object is not None:
            spec["boundObjectRef"] = dict(bound_object)
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec}
        answer = self.request("POST", SERVICE_ACCOUNT.path(namespace, service_account, "token"), body=body)
        return str((answer.get("status") or {}).get("token") or "")
