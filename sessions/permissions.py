"""The project gate and the per-action checks, as SelfSubjectAccessReviews made with the caller's token.

Kubernetes would refuse a forbidden write anyway; checking first gives the right answer (403 rather
than, say, 409 for a view user stopping a finished session) and a message that says what to ask for.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import APIException, NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ambient.contract import DNS_LABEL_MAX_LENGTH
from ambient.exceptions import ApplicationError, InvalidInput
from ambient.kube import AccessCheck
from sessions.api_constants import DNS_LABEL_PATTERN
from sessions.auth import Caller, caller_of
from sessions.selectors import project_require_managed


def validate_project_name(project: str) -> str:
    # fullmatch: `$` in the pattern would also accept a trailing newline.
    if len(project) > DNS_LABEL_MAX_LENGTH or not DNS_LABEL_PATTERN.fullmatch(project):
        raise InvalidInput(
            "Invalid project name: use a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters).",
            code="invalid_project",
            details={"fields": {"project": ["Not a DNS-1123 label."]}},
        )
    return project


def as_drf_refusal(error: ApplicationError) -> APIException:
    """`error` as DRF's exception type. The browsable API re-runs the permission checks to decide
    which forms to offer and only catches DRF's exceptions; the handler reads our error back from
    `__cause__` (raise it `from error`).
    """
    refusal_class = {401: NotAuthenticated, 403: PermissionDenied}.get(int(error.status_code), APIException)
    refusal = refusal_class(error.message, code=error.code)
    refusal.status_code = int(error.status_code)
    return refusal


class IsKubernetesCaller(BasePermission):
    """A bearer token or a Django staff session; anything else is 401."""

    def has_permission(self, request: Request, view: Any) -> bool:
        try:
            caller_of(request)
        except ApplicationError as error:
            raise as_drf_refusal(error) from error
        return True


class ProjectAccess(IsKubernetesCaller):
    """`list agenticsessions` in the project, a managed project (404 otherwise, staff included), then the
    verb the action needs (`view.session_verbs`).
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        try:
            return self._check(request, view)
        except ApplicationError as error:
            raise as_drf_refusal(error) from error

    def _check(self, request: Request, view: Any) -> bool:
        verb = view.session_verbs.get(view.action) if view.action else None
        session_access_require(
            caller=caller_of(request), project=view.kwargs["project"], verb=verb, session=view.kwargs.get("session", "")
        )
        return True


def session_access_require(*, caller: Caller, project: str, verb: str | None, session: str = "") -> None:
    """The project gate (`list` in a managed project), then `verb` on the session when the action needs one."""
    project = validate_project_name(project)
    caller.require(
        AccessCheck(namespace=project, verb="list"),
        f"You cannot access project {project!r}: ask a project admin to bind you to a project role.",
    )
    project_require_managed(project)
    if verb and verb != "list":
        caller.require(
            AccessCheck(namespace=project, verb=verb, name=session),
            f"You may not {verb} sessions in project {project!r}: ask a project admin for the edit or admin role.",
        )
