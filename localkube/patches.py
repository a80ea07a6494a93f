"""JSON merge patch (RFC 7386), JSON patch (RFC 6902, via jsonpatch) and strategic merge patch.

Strategic merge covers the built-in lists we use, merged by their patch keys, plus the directives
kubectl sends (``$patch``, ``$setElementOrder/…``, ``$deleteFromPrimitiveList/…``, ``$retainKeys``).
"""

from __future__ import annotations

from typing import Any

import jsonpatch

from localkube.copying import json_copy
from localkube.errors import ApiError

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

# field name → merge key; "ports" depends on where it sits (container vs service spec).
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "conditions": "type",
    "imagePullSecrets": "name",
    "ownerReferences": "uid",
    "hostAliases": "ip",
    "tolerations": "key",
    "topologySpreadConstraints": "topologyKey",
}
# Primitive lists with patchStrategy "merge" (union, not replace).
_MERGED_PRIMITIVE_LISTS = {"finalizers"}


def merge_patch(target: Any, patch: Any) -> Any:
    """``target`` with ``patch`` applied; neither is modified. The target is copied once, here, and
    merged into in place: copying each nested map again on the way down cost a write to a pod or a
    session several whole-object copies."""
    if not isinstance(patch, dict):
        return json_copy(patch)
    result = json_copy(target) if isinstance(target, dict) else {}
    _merge_into(result, patch)
    return result


def _merge_into(result: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            current = result.get(key)
            if not isinstance(current, dict):
                current = {}
            _merge_into(current, value)
            result[key] = current
        else:
            result[key] = json_copy(value)


def merge_patch_shared(target: Any, patch: Any) -> Any:
    """``merge_patch`` without the copy: the result shares every part the patch leaves alone with
    ``target``, and its new values with ``patch``; neither is modified. For a result that is only
    read (a /status write keeps just the result's status, which is stored as it is and never
    modified afterwards: each later write copies what it changes)."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch_shared(result.get(key), value)
    return result


def json_patch(target: dict[str, Any], operations: Any) -> dict[str, Any]:
    if not isinstance(operations, list):
        raise ApiError(400, "json patch must be a JSON array of operations")
    try:
        return jsonpatch.apply_patch(target, operations)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as error:
        raise ApiError(422, f"the server rejected our request due to an error in our request: {error}") from None
    except (TypeError, KeyError, ValueError) as error:
        raise ApiError(400, f"invalid json patch: {error}") from None


def strategic_merge_patch(target: dict[str, Any], patch: Any, kind: str) -> dict[str, Any]:
    if not isinstance(patch, dict):
        raise ApiError(400, "strategic merge patch must be a JSON object")
    # One copy of the target; the merge below works in place on it (as merge_patch does).
    return _merge_map(json_copy(target), patch, path=(), kind=kind)


def _merge_key(field: str, path: tuple[str, ...], kind: str) -> str | None:
    if field == "ports":
        # Service spec.ports merge on "port"; container ports on "containerPort".
        return "port" if kind == "Service" and path == ("spec",) else "containerPort"
    return _MERGE_KEYS.get(field)


def _merge_map(target: Any, patch: dict[str, Any], path: tuple[str, ...], kind: str) -> Any:
    if patch.get("$patch") == "replace":
        return {k: json_copy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys") or key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list) and isinstance(value, list):
                result[field] = [item for item in result[field] if item not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            merged = _merge_map(result.get(key), value, path + (key,), kind)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, key, path, kind)
        else:
            result[key] = json_copy(value)
    return result


def _merge_list(current: Any, patch: list[Any], field: str, path: tuple[str, ...], kind: str) -> list[Any]:
    current_list = list(current) if isinstance(current, list) else []
    if field in _MERGED_PRIMITIVE_LISTS:
        merged = current_list
        for item in patch:
            if item not in merged:
                merged.append(item)
        return merged
    key = _merge_key(field, path, kind)
    if key is None or not all(isinstance(item, dict) for item in patch):
        return [item for item in json_copy(patch) if not (isinstance(item, dict) and item.get("$patch"))]
    if any(item.get("$patch") == "replace" for item in patch):
        return [json_copy(item) for item in patch if item.get("$patch") != "replace"]
    merged = current_list
    for item in patch:
        index = next(
            (
                i
                for i, existing in enumerate(merged)
                if isinstance(existing, dict) and existing.get(key) == item.get(key)
            ),
            None,
        )
        if item.get("$patch") == "delete":
            if index is not None:
                merged.pop(index)
            continue
        if index is None:
            merged.append(_merge_map({}, item, path + (field,), kind))
        else:
            merged[index] = _merge_map(merged[index], item, path + (field,), kind)
    return merged
