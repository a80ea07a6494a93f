"""RFC 7386 JSON merge patch between two documents (lists are replaced whole, as the RFC says), and
a copy of a JSON document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merge_patch(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    for key in old.keys() - new.keys():
        patch[key] = None
    for key, value in new.items():
        previous = old.get(key)
        if key in old and previous == value:
            continue
        if isinstance(value, Mapping) and isinstance(previous, Mapping):
            nested = merge_patch(previous, value)
            if nested:
                patch[key] = nested
        else:
            patch[key] = value
    return patch


def apply_merge_patch(document: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(document)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, Mapping):
            current = result.get(key)
            result[key] = apply_merge_patch(current if isinstance(current, Mapping) else {}, value)
        else:
            result[key] = value
    return result


def json_copy(value: Any) -> Any:
    """A copy of a JSON document whose objects and arrays are new and whose strings, numbers and
    booleans are shared (they cannot change): copy.deepcopy's result for JSON at about a third of
    its cost, since it keeps no memo and asks no type how to copy itself. Scalars, the most common
    values, are tested first."""
    if isinstance(value, str | int | float) or value is None:
        return value
    if isinstance(value, list):
        return [json_copy(item) for item in value]
    if isinstance(value, Mapping):
        return {key: json_copy(item) for key, item in value.items()}
    return value
