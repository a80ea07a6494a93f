"""JSON parsers of the session API, bounded in nesting depth.

Python's json module recurses once per level, so a body like `[[[[…]]]]` a few thousand levels deep
would end in a RecursionError (a 500); no body this API accepts nests more than a handful of levels.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def nesting_depth(value: Any) -> int:
    """How many arrays/objects deep `value` goes (walked without recursion)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    children: Iterable[Any]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            deepest = max(deepest, depth)
            continue
        deepest = max(deepest, depth + 1)
        pending.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    """`application/json`, refused with 400 when nested deeper than `API_MAX_JSON_DEPTH` or when not a
    JSON object (every body this API takes is one; `null` must not read as "no body")."""

    def parse(self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.API_MAX_JSON_DEPTH
        too_deep = ParseError(f"JSON body nested more than {limit} levels deep: send a flatter body.")
        try:
            parsed = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if nesting_depth(parsed) > limit:
            raise too_deep
        if not isinstance(parsed, dict):
            raise ParseError("The body must be a JSON object ({...}); send the fields this action documents.")
        return parsed


class MergePatchJSONParser(BoundedJSONParser):
    """`application/merge-patch+json`, which runners and kubectl-style clients send with PATCH."""

    media_type = "application/merge-patch+json"


PARSER_CLASSES = [BoundedJSONParser, MergePatchJSONParser]
