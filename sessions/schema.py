"""OpenAPI descriptions of our authentication classes (loaded by the app config)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
