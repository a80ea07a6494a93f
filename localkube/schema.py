"""Structural-schema handling for custom resources: prune, default, then validate (kube's order).

Errors carry kube's field paths (``spec.replicas``) and wording, so a client sees the same 422.
"""

from __future__ import annotations

import json
import re
from typing import Any

from localkube.copying import json_copy
from localkube.errors import cause

_ROOT_KEPT = ("apiVersion", "kind", "metadata")


def prepare(
    obj: dict[str, Any], schema: dict[str, Any], strict: bool = False, *, in_place: bool = False
) -> tuple[dict[str, Any], list[dict[str, str]], list[str]]:
    """Returns (pruned+defaulted object, validation causes, unknown field paths); ``in_place``
    prunes and defaults ``obj`` itself (a caller's own copy) instead of a copy of it."""
    if not schema:
        return obj, [], []
    result = obj if in_place else json_copy(obj)
    unknown: list[str] = []
    _prune(result, schema, "", unknown, root=True)
    _default(result, schema)
    causes: list[dict[str, str]] = []
    _validate(result, schema, "", causes, root=True)
    if strict and unknown:
        causes.extend(cause(path, f'unknown field "{path}"', "FieldValueInvalid") for path in unknown)
    return result, causes, unknown


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _prune(value: Any, schema: dict[str, Any], path: str, unknown: list[str], root: bool = False) -> None:
    if isinstance(value, dict):
        properties = schema.get("properties")
        additional = schema.get("additionalProperties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields", False)
        embedded = schema.get("x-kubernetes-embedded-resource", False)
        for key in list(value.keys()):
            child_path = _join(path, key)
            if (root or embedded) and key in _ROOT_KEPT:
                continue
            if value[key] is None and not _nullable(properties, additional, key):
                # kube drops nulls of non-nullable fields before defaulting.
                del value[key]
                continue
            if properties is not None and key in properties:
                _prune(value[key], properties[key], child_path, unknown)
            elif isinstance(additional, dict):
                _prune(value[key], additional, child_path, unknown)
            elif additional is True or preserve:
                continue
            elif properties is not None or not preserve:
                unknown.append(child_path)
                del value[key]
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, dict):
            for index, item in enumerate(value):
                _prune(item, items, f"{path}[{index}]", unknown)


def _nullable(properties: dict[str, Any] | None, additional: Any, key: str) -> bool:
    if properties is not None and key in properties:
        return bool(properties[key].get("nullable", False))
    if isinstance(additional, dict):
        return bool(additional.get("nullable", False))
    return True


def _default(value: Any, schema: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, child in (schema.get("properties") or {}).items():
            if key not in value and "default" in child:
                value[key] = json_copy(child["default"])
            if key in value:
                _default(value[key], child)
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            for key in value:
                if key not in (schema.get("properties") or {}):
                    _default(value[key], additional)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _default(item, schema["items"])


_TYPE_NAMES = {"object": dict, "array": list, "string": str, "boolean": bool}


def _type_ok(value: Any, expected: str) -> bool:
    if expected == "integer":
        return (
            isinstance(value, int) and not isinstance(value, bool) or (isinstance(value, float) and value.is_integer())
        )
    if expected == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    python_type = _TYPE_NAMES.get(expected)
    return python_type is None or isinstance(value, python_type)


_BOUND_KEYWORDS = frozenset({"minimum", "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems"})


def _show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict | list):
        return json.dumps(type(value).__name__)
    return json.dumps(value)


def _validate(value: Any, schema: dict[str, Any], path: str, causes: list[dict[str, str]], root: bool = False) -> None:
    if value is None:
        if not schema.get("nullable", False) and not root:
            causes.append(
                cause(
                    path,
                    f'Invalid value: "null": {path} in body must be of type {schema.get("type", "object")}: "null"',
                )
            )
        return
    expected = schema.get("type")
    if schema.get("x-kubernetes-int-or-string"):
        if not (isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))):
            causes.append(
                cause(
                    path,
                    f"Invalid value: {_show(value)}: {path} in body must be of type integer or string: {_show(value)}",
                )
            )
            return
    elif expected and not _type_ok(value, expected):
        causes.append(
            cause(path, f"Invalid value: {_show(value)}: {path} in body must be of type {expected}: {_show(value)}")
        )
        return
    if "enum" in schema and value not in schema["enum"]:
        supported = ", ".join(json.dumps(item) for item in schema["enum"])
        causes.append(
            cause(path, f"Unsupported value: {_show(value)}: supported values: {supported}", "FieldValueNotSupported")
        )
    _validate_bounds(value, schema, path, causes)
    if isinstance(value, dict):
        for required in schema.get("required") or ():
            if required not in value:
                causes.append(cause(_join(path, required), "Required value", "FieldValueRequired"))
        properties = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        for key, child in value.items():
            if root and key in _ROOT_KEPT:
                continue
            if key in properties:
                _validate(child, properties[key], _join(path, key), causes)
            elif isinstance(additional, dict):
                _validate(child, additional, _join(path, key), causes)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _validate(item, schema["items"], f"{path}[{index}]", causes)
        _validate_list_type(value, schema, path, causes)


def _validate_list_type(value: list[Any], schema: dict[str, Any], path: str, causes: list[dict[str, str]]) -> None:
    """``x-kubernetes-list-type`` map/set: keys (or values) must be unique, as kube checks."""
    list_type = schema.get("x-kubernetes-list-type")
    if list_type not in ("map", "set"):
        return
    keys = schema.get("x-kubernetes-list-map-keys") or []
    seen: set[str] = set()
    for index, item in enumerate(value):
        if list_type == "map" and isinstance(item, dict):
            identity = json.dumps({key: item.get(key) for key in keys}, sort_keys=True)
        else:
            identity = json.dumps(item, sort_keys=True)
        if identity in seen:
            causes.append(cause(f"{path}[{index}]", f"Duplicate value: {identity}", "FieldValueDuplicate"))
        seen.add(identity)


def _validate_bounds(value: Any, schema: dict[str, Any], path: str, causes: list[dict[str, str]]) -> None:
    if not _BOUND_KEYWORDS.intersection(schema):
        return  # most fields have none; then not even the value's shown form is worth making
    shown = _show(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            causes.append(
                cause(
                    path,
                    f"Invalid value: {shown}: {path} in body should be greater than or equal to {schema['minimum']}",
                )
            )
        if "maximum" in schema and value > schema["maximum"]:
            causes.append(
                cause(
                    path, f"Invalid value: {shown}: {path} in body should be less than or equal to {schema['maximum']}"
                )
            )
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            causes.append(
                cause(
                    path, f"Invalid value: {shown}: {path} in body should be at least {schema['minLength']} chars long"
                )
            )
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            causes.append(
                cause(
                    path,
                    f"Invalid value: {shown}: {path} in body may not be longer than {schema['maxLength']}",
                    "FieldValueTooLong",
                )
            )
        if "pattern" in schema and not re.search(schema["pattern"], value):
            causes.append(cause(path, f"Invalid value: {shown}: {path} in body should match '{schema['pattern']}'"))
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            causes.append(
                cause(
                    path, f"Invalid value: {len(value)}: {path} in body should have at least {schema['minItems']} items"
                )
            )
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            causes.append(
                cause(
                    path, f"Too many: {len(value)}: must have at most {schema['maxItems']} items", "FieldValueTooMany"
                )
            )
