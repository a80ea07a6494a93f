"""Deep copies of JSON-shaped data (dicts, lists, scalars), the only shape stored objects have.

``copy.deepcopy`` keeps a memo of every node and dispatches on each value's type, to handle cycles
and shared parts; objects decoded from JSON have neither, and a write path copies a whole object
or patch several times, so this plain recursion does the same work in a fraction of the time.
"""

from __future__ import annotations

from typing import Any, TypeVar

Value = TypeVar("Value")


def json_copy(value: Value) -> Value:
    """A copy sharing no dict or list with ``value``; strings, numbers, booleans and None are immutable."""
    return _copy(value)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_copy(item) for item in value)
    return value
