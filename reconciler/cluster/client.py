"""One generic JSON request over the real `kubernetes` client, and the calls the reconciler makes."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from kubernetes import client as kube_client
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from ambient import kube
from reconciler.cluster.errors import ClusterError, NotFound, error_from_response
from reconciler.cluster.resources import EVENT, SESSION, Resource, resource_for

KubeObject = dict[str, Any]
MERGE_PATCH = "application/merge-patch+json"


class Cluster:
    """Calls with the control plane's identity; objects in and out as dicts."""

    def __init__(self, api_client: kube_client.ApiClient) -> None:
        self.api_client = api_client

    # -- the one request path ----------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        content_type: str = "application/json",
    ) -> KubeObject:
        try:
            return self._send(method, path, body, query, content_type)
        except ClusterError as error:
            if error.status != 401:
                raise
        # Credentials may have rotated under us; a fresh client re-reads them once.
        self.api_client = kube.control_plane_client()
        return self._send(method, path, body, query, content_type)

    def _send(
        self, method: str, path: str, body: Any, query: Mapping[str, Any] | None, content_type: str
    ) -> KubeObject:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type
        params = self.api_client.param_serialize(
            method=method,
            resource_path=path,
            query_params=[(key, value) for key, value in (query or {}).items() if value is not None],
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        try:
            response = self.api_client.call_api(*params, _request_timeout=kube.request_timeout())
            response.read()
        except ApiException as error:
            raise error_from_response(int(error.status or 0), error.body) from error
        except (HTTPError, OSError) as error:
            raise ClusterError(0, "Unavailable", str(error)) from error
        if not 200 <= response.status <= 299:
            raise error_from_response(response.status, response.data)
        return json.loads(response.data) if response.data else {}

    # -- AgenticSessions ---------------------------------------------------------------------------
    def session_get(self, namespace: str, name: str) -> KubeObject | None:
        return self.get_or_none(SESSION, namespace, name)

    def session_list(self, namespace: str | None = None) -> list[KubeObject]:
        return list(self.request("GET", SESSION.collection(namespace)).get("items") or [])

    def session_patch(self, namespace: str, name: str, patch: KubeObject) -> KubeObject:
        """Merge patch on the object (metadata/spec); include metadata.resourceVersion to be safe."""
        return self.request("PATCH", SESSION.item(namespace, name), body=patch, content_type=MERGE_PATCH)

    def session_status_patch(self, namespace: str, name: str, patch: KubeObject) -> KubeObject:
        return self.request("PATCH", SESSION.item(namespace, name, "status"), body=patch, content_type=MERGE_PATCH)

    # -- children ----------------------------------------------------------------------------------
    def get(self, kind: str, namespace: str, name: str) -> KubeObject | None:
        return self.get_or_none(resource_for(kind), namespace, name)

    def get_or_none(self, resource: Resource, namespace: str, name: str) -> KubeObject | None:
        try:
            return self.request("GET", resource.item(namespace, name))
        except NotFound:
            return None

    def list(self, kind: str, namespace: str | None, *, label_selector: str | None = None) -> list[KubeObject]:
        listed = self.request("GET", resource_for(kind).collection(namespace), query={"labelSelector": label_selector})
        return list(listed.get("items") or [])

    def create(self, kind: str, namespace: str, body: KubeObject) -> KubeObject:
        return self.request("POST", resource_for(kind).collection(namespace), body=body)

    def patch(self, kind: str, namespace: str, name: str, patch: KubeObject) -> KubeObject:
        return self.request("PATCH", resource_for(kind).item(namespace, name), body=patch, content_type=MERGE_PATCH)

    def delete(self, kind: str, namespace: str, name: str, *, propagation: str | None = None) -> None:
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation} if propagation else None
        self.request("DELETE", resource_for(kind).item(namespace, name), body=body)

    # -- tokens and events -------------------------------------------------------------------------
    def token_request(
        self,
        namespace: str,
        service_account: str,
        expiration_seconds: int,
        *,
        bound_object: Mapping[str, str] | None = None,
    ) -> str:
        """A token for the ServiceAccount; with ``bound_object`` (a Pod or Secret reference) it is
        valid only while that object exists, as kube-apiserver enforces."""
        spec: dict[str, Any] = {"expirationSeconds": expiration_seconds}
        if bound_object is not None:
            spec["boundObjectRef"] = dict(bound_object)
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec}
        path = resource_for("ServiceAccount").item(namespace, service_account, "token")
        answer = self.request("POST", path, body=body)
        return str((answer.get("status") or {}).get("token") or "")

    def event_create(self, namespace: str, body: KubeObject) -> KubeObject:
        return self.request("POST", EVENT.collection(namespace), body=body)


_local = threading.local()


def cluster_client() -> Cluster:
    """A Cluster per thread, rebuilt when `ambient.kube` reloads its configuration (new kubeconfig)."""
    api_client = kube.control_plane_client()
    cached: Cluster | None = getattr(_local, "cluster", None)
    if cached is None or cached.api_client.configuration is not api_client.configuration:
        cached = _local.cluster = Cluster(api_client)
    else:
        api_client.close()
    return cached
