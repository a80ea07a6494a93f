"""The JSONPath subset CRD printer columns use: ``.a.b``, ``[0]``, ``['c.d']``, ``[*]`` and
``[?(@.type=="Ready")]`` equality filters. A small evaluator of our own because the maintained
JSONPath packages implement the RFC 9535 dialect, whose filter syntax differs from the one kubectl
and kube's printer columns accept."""

from __future__ import annotations

import re
from typing import Any

_FILTER = re.compile(r"^\?\(@\.([\w.-]+)\s*==\s*[\"']([^\"']*)[\"']\)$")


def _tokens(path: str) -> list[str]:
    """Split a simple JSONPath (``.a.b[0]['c.d'][?(@.type=="Ready")]``) into steps."""
    path = path.strip()
    if path.startswith("{") and path.endswith("}"):
        path = path[1:-1]
    path = path.lstrip("$")
    tokens: list[str] = []
    index = 0
    while index < len(path):
        char = path[index]
        if char == ".":
            index += 1
            end = index
            while end < len(path) and path[end] not in ".[":
                end += 1
            if end > index:
                tokens.append(path[index:end])
            index = end
        elif char == "[":
            end = path.index("]", index) if "?(" not in path[index : index + 3] else path.index(")]", index) + 1
            tokens.append("[" + path[index + 1 : end] + "]")
            index = end + 1
        else:
            end = index
            while end < len(path) and path[end] not in ".[":
                end += 1
            tokens.append(path[index:end])
            index = end
    return tokens


def jsonpath(obj: Any, path: str) -> list[Any]:
    values = [obj]
    for token in _tokens(path):
        next_values: list[Any] = []
        for value in values:
            if token.startswith("["):
                inner = token[1:-1]
                match = _FILTER.match(inner)
                if match and isinstance(value, list):
                    key_path, expected = match.groups()
                    for item in value:
                        found = jsonpath(item, "." + key_path)
                        if found and str(found[0]) == expected:
                            next_values.append(item)
                elif inner == "*":
                    next_values.extend(value if isinstance(value, list) else (value or {}).values())
                elif inner.lstrip("-").isdigit() and isinstance(value, list):
                    position = int(inner)
                    if -len(value) <= position < len(value):
                        next_values.append(value[position])
                elif isinstance(value, dict):
                    key = inner.strip("'\"").replace("\\.", ".")
                    if key in value:
                        next_values.append(value[key])
            elif isinstance(value, dict) and token in value:
                next_values.append(value[token])
        values = next_values
    return values
