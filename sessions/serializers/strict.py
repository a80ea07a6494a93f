"""Bodies and query strings read as the OpenAPI schema documents them, never coerced.

DRF's fields are lenient for HTML forms: a CharField takes `0` as "0", an IntegerField takes "5", a
BooleanField takes "true" or 1, and an empty query value (`?phase=`) reads as absent. For a JSON API
each of those is a client bug the schema says is invalid, so `JSONBodySerializer` refuses a value of
the wrong JSON type (400 naming the field and the type expected) and `QuerySerializer` refuses an
empty value for a parameter that has no blank meaning. Name fields carry their DNS-1123 pattern and
length into the schema (`extend_schema_field`), so what the API enforces is what the schema says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from ambient.contract import DNS_LABEL_MAX_LENGTH, MAX_SESSION_NAME_LENGTH
from sessions.api_constants import DNS_LABEL_PATTERN
from sessions.serializers.fields import validate_project_field, validate_session_name

# JSON type names as a client sees them.
_JSON_TYPE_NAMES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}


def json_type_name(value: Any) -> str:
    if value is None:
        return "null"
    for python_type, name in _JSON_TYPE_NAMES.items():
        if isinstance(value, python_type):
            return name
    return type(value).__name__


def _expected_json_type(field: serializers.Field) -> tuple[str, tuple[type, ...]] | None:
    """The JSON type `field` reads, or None when it takes any (JSONField, a file, ...)."""
    if isinstance(field, serializers.BooleanField):
        return "boolean", (bool,)
    if isinstance(field, serializers.IntegerField):
        return "integer", (int,)
    if isinstance(field, serializers.FloatField | serializers.DecimalField):
        return "number", (int, float)
    if isinstance(field, serializers.CharField | serializers.ChoiceField):
        return "string", (str,)
    if isinstance(field, serializers.ListField | serializers.ListSerializer):
        return "array", (list,)
    if isinstance(field, serializers.DictField | serializers.Serializer):
        return "object", (dict,)
    return None


def json_type_problem(field: serializers.Field, value: Any) -> str | None:
    """Why `value` is not of the JSON type `field` documents (None when it is, or is null/absent)."""
    if value is None or value is empty:
        return None  # null: the field's own allow_null decides
    expected = _expected_json_type(field)
    if expected is None:
        return None
    name, types = expected
    if isinstance(value, bool) and bool not in types:
        return f"Must be a JSON {name}, not a boolean."
    if not isinstance(value, types):
        return f"Must be a JSON {name}, not {json_type_name(value)}."
    child = getattr(field, "child", None)
    if isinstance(field, serializers.DictField | serializers.ListField) and child is not None:
        items: Iterable[Any] = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for item in items:
            problem = json_type_problem(child, item)
            if problem:
                return f"Each item: {problem[0].lower()}{problem[1:]}"
    return None


# No docstrings on these two bases: drf-spectacular would describe every subclass body with them.
# A JSON request body: each field must hold the JSON type it documents (nested bodies too).
class JSONBodySerializer(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            errors = {}
            for name, field in self.fields.items():
                if field.read_only or name not in data:
                    continue
                problem = json_type_problem(field, data[name])
                if problem:
                    errors[name] = [problem]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


# Query parameters: an empty value is refused unless the parameter allows blank (`?phase=` is 400), and
# so is a parameter given twice (`?limit=1&limit=2`: which one was meant?).
class QuerySerializer(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            blank = [
                name
                for name, field in self.fields.items()
                if data.get(name) == "" and not getattr(field, "allow_blank", False)
            ]
            if blank:
                raise serializers.ValidationError(
                    {name: ["Empty: give a value or leave the parameter out."] for name in blank}
                )
            getlist = getattr(data, "getlist", None)
            repeated = [name for name, _ in self.fields.items() if getlist is not None and len(getlist(name)) > 1]
            if repeated:
                raise serializers.ValidationError({name: ["Given more than once: give it once."] for name in repeated})
        return super().to_internal_value(data)


DNS_LABEL_SCHEMA = {"type": "string", "pattern": DNS_LABEL_PATTERN.pattern, "minLength": 1}


@extend_schema_field({**DNS_LABEL_SCHEMA, "maxLength": MAX_SESSION_NAME_LENGTH})
class SessionNameField(serializers.CharField):
    """A new session's name: a DNS-1123 label short enough for every child object's name."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(validators=[validate_session_name], **kwargs)


@extend_schema_field({**DNS_LABEL_SCHEMA, "maxLength": DNS_LABEL_MAX_LENGTH})
class ProjectNameField(serializers.CharField):
    """A project (namespace) name: a DNS-1123 label."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("validators", [validate_project_field])
        super().__init__(**kwargs)
