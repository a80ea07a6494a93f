"""OpenAPI descriptions of our authentication classes (loaded by the app config), and the schema hook
that writes what the API enforces on names into the generated schema."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension

from ambient.contract import DNS_LABEL_MAX_LENGTH
from sessions.serializers.strict import DNS_LABEL_SCHEMA, JSONBodySerializer


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "sessions.auth.BearerTokenAuthentication"
    name = "kubernetesBearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A Kubernetes bearer token (or send it as `X-Forwarded-Access-Token`).",
        }


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "sessions.auth.StaffSessionAuthentication"
    name = "djangoStaffSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


class NonBlankRequestString(OpenApiSerializerFieldExtension):
    """A string field of a request body that refuses "" says so (`minLength: 1`); response fields and
    query parameters are left as they are (drf-spectacular's own switch would mark responses too)."""

    target_class = "rest_framework.fields.CharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Any:
        field = self.target
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        in_body = isinstance(getattr(field, "parent", None), JSONBodySerializer)
        if direction == "request" and in_body and not field.allow_blank and isinstance(schema, dict):
            schema.setdefault("minLength", 1)
        return schema


# Path parameters the API checks before anything else (sessions.permissions.validate_project_name; a
# session name that is not a DNS-1123 label cannot exist): their pattern and length belong in the schema.
_NAME_PARAMETERS = {"project": DNS_LABEL_MAX_LENGTH, "session": DNS_LABEL_MAX_LENGTH}
_UNACCEPTABLE = "The Accept header names no type this API answers (application/json, or text/html for a browser)."
_BAD_PROJECT = "Invalid input, or a project name that is not a DNS-1123 label (`invalid_project`)."


def document_enforced_names(
    result: dict[str, Any], generator: Any, request: Any, public: bool, **_: Any
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: name patterns and lengths of path parameters, the 400 a bad
    project name answers on every project route, the 406 content negotiation answers on every route,
    and this installation's pattern for new project names."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation["responses"].setdefault("406", _error_response(_UNACCEPTABLE))
            if "410" in operation["responses"]:
                continue  # a removed endpoint answers 410 whatever the names; it checks none
            for parameter in operation.get("parameters", []):
                limit = _NAME_PARAMETERS.get(parameter.get("name", ""))
                if parameter.get("in") == "path" and limit:
                    parameter["schema"] = {**DNS_LABEL_SCHEMA, "maxLength": limit}
                    if parameter["name"] == "project":
                        operation["responses"].setdefault("400", _error_response(_BAD_PROJECT))
    project_create = result.get("components", {}).get("schemas", {}).get("ProjectCreate", {})
    name = project_create.get("properties", {}).get("name")
    if name is not None:
        name["pattern"] = f"^(?:{settings.PROJECT_NAME_PATTERN})$"
    return result


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
