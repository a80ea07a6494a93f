"""Discovery documents and the OpenAPI v2/v3 documents kubectl reads.

The OpenAPI documents list, for every resource, a PATCH operation that accepts the
``fieldValidation`` parameter (kubectl then validates server-side) and, for custom resources,
the CRD's schema tagged with ``x-kubernetes-group-version-kind`` (for ``kubectl explain``).
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from localkube.registry import SUBRESOURCE_KINDS, Registry, ResourceType

SERVER_VERSION = {
    "major": "1",
    "minor": "34",
    "gitVersion": "v1.34.0-localkube",
    "gitCommit": "localkube",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.24",
    "compiler": "gc",
    "platform": "linux/amd64",
}
_SUBRESOURCE_VERBS = {"status": ("get", "patch", "update")}


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def _group_entry(group: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{group}/{version}", "version": version} for version in versions]
    return {"name": group, "versions": entries, "preferredVersion": entries[0]}


def api_group_list(registry: Registry) -> dict[str, Any]:
    groups = [_group_entry(group, versions) for group, versions in registry.groups().items() if group]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(registry: Registry, group: str) -> dict[str, Any] | None:
    versions = registry.groups().get(group)
    if not versions or not group:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(group, versions)}


def resource_list(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    types = registry.in_group_version(group, version)
    if not types:
        return None
    resources: list[dict[str, Any]] = []
    for resource_type in sorted(types, key=lambda t: t.resource):
        entry: dict[str, Any] = {
            "name": resource_type.resource,
            "singularName": resource_type.singular,
            "namespaced": resource_type.namespaced,
            "kind": resource_type.kind,
            "verbs": list(resource_type.verbs),
        }
        if resource_type.short_names:
            entry["shortNames"] = list(resource_type.short_names)
        if resource_type.categories:
            entry["categories"] = list(resource_type.categories)
        resources.append(entry)
        for subresource in resource_type.subresources:
            kind, sub_group, sub_version, verbs = SUBRESOURCE_KINDS.get(
                (resource_type.group, resource_type.resource, subresource),
                (resource_type.kind, "", "", _SUBRESOURCE_VERBS.get(subresource, ("get",))),
            )
            sub_entry: dict[str, Any] = {
                "name": f"{resource_type.resource}/{subresource}",
                "singularName": "",
                "namespaced": resource_type.namespaced,
                "kind": kind,
                "verbs": list(verbs),
            }
            if sub_group:
                sub_entry["group"] = sub_group
                sub_entry["version"] = sub_version
            resources.append(sub_entry)
    group_version = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}


def _definition_name(group: str, version: str, kind: str) -> str:
    reversed_group = ".".join(reversed(group.split("."))) if group else "io.k8s.api.core"
    return f"{reversed_group}.{version}.{kind}"


def _gvk(resource_type: ResourceType, version: str) -> dict[str, str]:
    return {"group": resource_type.group, "version": version, "kind": resource_type.kind}


def _resource_schema(resource_type: ResourceType, version: str) -> dict[str, Any]:
    schema = copy.deepcopy(resource_type.schemas.get(version) or {"type": "object"})
    properties = schema.setdefault("properties", {})
    properties.setdefault(
        "apiVersion",
        {
            "type": "string",
            "description": "APIVersion defines the versioned schema of this representation of an object.",
        },
    )
    properties.setdefault(
        "kind",
        {
            "type": "string",
            "description": "Kind is a string value representing the REST resource this object represents.",
        },
    )
    properties["metadata"] = {
        "type": "object",
        "description": "Standard object's metadata.",
        "x-kubernetes-preserve-unknown-fields": True,
    }
    schema["x-kubernetes-group-version-kind"] = [_gvk(resource_type, version)]
    return schema


_QUERY = ("dryRun", "fieldManager", "fieldValidation", "pretty")


def _operation(resource_type: ResourceType, version: str, action: str, patch: bool = False) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": f"{action}{resource_type.kind}",
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": _gvk(resource_type, version),
        "parameters": [
            {"name": name, "in": "query", "schema": {"type": "string"}, "uniqueItems": True} for name in _QUERY
        ],
        "responses": {"200": {"description": "OK"}},
    }
    if patch:
        content_types = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]
        operation["requestBody"] = {"content": {ct: {"schema": {"type": "object"}} for ct in content_types}}
    return operation


def openapi_v3_group(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    types = registry.in_group_version(group, version)
    if not types:
        return None
    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for resource_type in types:
        base = (
            f"{prefix}/namespaces/{{namespace}}/{resource_type.resource}"
            if resource_type.namespaced
            else f"{prefix}/{resource_type.resource}"
        )
        paths[base] = {"post": _operation(resource_type, version, "post")}
        if resource_type.stored:
            paths[base]["get"] = _operation(resource_type, version, "list")
            paths[f"{base}/{{name}}"] = {
                "get": _operation(resource_type, version, "get"),
                "put": _operation(resource_type, version, "put"),
                "patch": _operation(resource_type, version, "patch", patch=True),
                "delete": _operation(resource_type, version, "delete"),
            }
        if not resource_type.builtin:
            schemas[_definition_name(group, version, resource_type.kind)] = _resource_schema(resource_type, version)
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": SERVER_VERSION["gitVersion"]},
        "paths": paths,
        "components": {"schemas": schemas},
    }


class OpenAPICache:
    """Documents are rebuilt only when a CRD changes; the v3 root links them by content hash."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._v3: dict[str, bytes] = {}
        self._v2: bytes | None = None

    def invalidate(self) -> None:
        self._v3.clear()
        self._v2 = None

    def v3_group(self, key: str) -> bytes | None:
        if key not in self._v3:
            parts = key.split("/")
            if parts[0] == "api" and len(parts) == 2:
                document = openapi_v3_group(self.registry, "", parts[1])
            elif parts[0] == "apis" and len(parts) == 3:
                document = openapi_v3_group(self.registry, parts[1], parts[2])
            else:
                document = None
            if document is None:
                return None
            self._v3[key] = json.dumps(document).encode()
        return self._v3[key]

    def v3_root(self) -> dict[str, Any]:
        paths: dict[str, Any] = {}
        for group, versions in self.registry.groups().items():
            for version in versions:
                key = f"apis/{group}/{version}" if group else f"api/{version}"
                body = self.v3_group(key)
                if body is not None:
                    digest = hashlib.sha512(body).hexdigest()[:64].upper()
                    paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
        return {"paths": paths}

    def v2(self) -> bytes:
        if self._v2 is None:
            definitions: dict[str, Any] = {}
            for resource_type in self.registry.all():
                if not resource_type.builtin:
                    for version in resource_type.versions:
                        definitions[_definition_name(resource_type.group, version, resource_type.kind)] = (
                            _resource_schema(resource_type, version)
                        )
            document = {
                "swagger": "2.0",
                "info": {"title": "Kubernetes", "version": SERVER_VERSION["gitVersion"]},
                "paths": {},
                "definitions": definitions,
            }
            self._v2 = json.dumps(document).encode()
        return self._v2
