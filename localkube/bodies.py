"""A write's body before it is stored: the shape every request body must have, and the structural
schema a custom resource's body is pruned, defaulted and validated against."""

from __future__ import annotations

from typing import Any

from localkube import schema
from localkube.errors import ApiError, invalid
from localkube.registry import ResourceType

KubeObject = dict[str, Any]


def body_checked(resource_type: ResourceType, version: str, body: Any) -> KubeObject:
    """The body, if it is an object of this resource's kind and the URL's version (400 otherwise)."""
    if not isinstance(body, dict):
        raise ApiError(
            400,
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json, application/yaml",
        )
    kind = body.get("kind")
    api_version = body.get("apiVersion")
    if (kind and kind != resource_type.kind) or (api_version and api_version != resource_type.api_version(version)):
        raise ApiError(
            400,
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({resource_type.api_version(version)})"
            if api_version != resource_type.api_version(version)
            else f"the kind in the data ({kind}) does not match the expected kind ({resource_type.kind})",
        )
    if not isinstance(body.get("metadata", {}), dict):
        raise ApiError(400, "metadata must be an object")
    return body


def schema_apply(resource_type: ResourceType, version: str, obj: KubeObject, field_validation: str | None) -> list[str]:
    """Prune, default and validate a custom resource in place; warnings for pruned unknown fields."""
    if resource_type.builtin:
        return []
    strict = (field_validation or "").lower() == "strict"
    # The object is the write's own copy (a failed write is dropped whole), so no second copy.
    prepared, causes, unknown = schema.prepare(obj, resource_type.schemas.get(version, {}), strict=False, in_place=True)
    if strict and unknown:
        raise ApiError(
            400, "strict decoding error: " + ", ".join(f'unknown field "{path}"' for path in unknown), "BadRequest"
        )
    if causes:
        raise invalid(resource_type.kind, resource_type.group, obj["metadata"].get("name", ""), causes)
    if prepared is not obj:  # a resource with no schema keeps the object as it is
        obj.clear()
        obj.update(prepared)
    if (field_validation or "warn").lower() == "ignore":
        return []
    return [f'unknown field "{path}"' for path in unknown]
