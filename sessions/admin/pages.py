"""The console's read pages: dashboard, session list, one session (with its live part), a file.

Thin: each reads through the session selectors, the chat selectors, the workspace services and
the overview/timeline readers, as the logged-in staff user (impersonated), and renders a template.
A refusal or an unreachable cluster becomes a message on the page, never a stack trace.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ambient.contract import NON_TERMINAL_PHASES, Phase
from ambient.exceptions import ApplicationError
from sessions import selectors
from sessions.admin.overview import (
    Overview,
    SessionFilters,
    overview_counts,
    overview_read,
    ready_reasons,
    session_rows,
)
from sessions.admin.timeline import session_timeline
from sessions.admin.transcript import transcript_read
from sessions.admin.workspace import WORKSPACE_PREVIEW_BYTES, workspace_file_preview, workspace_listing
from sessions.auth import Caller, staff_caller
from sessions.resource import desired_phase_of, phase_of

KubeObject = dict[str, Any]
PAGE_SIZE = 100
PAGE_SIZE_MAX = 500
# How often the session page refreshes its live part while the session is changing (milliseconds).
LIVE_REFRESH_MS = 2000


def _context(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, **extra}


def _overview(request: HttpRequest, caller: Caller) -> Overview:
    try:
        return overview_read(caller=caller)
    except ApplicationError as error:
        messages.error(request, f"Could not read sessions: {error.message}")
        return Overview(projects=[])


def dashboard(request: HttpRequest) -> HttpResponse:
    overview = _overview(request, staff_caller(request.user))
    context = _context(request, "Sessions dashboard", counts=overview_counts(overview), projects=overview.projects)
    return render(request, "admin/console/dashboard.html", context)


def _page_size(request: HttpRequest) -> int:
    try:
        wanted = int(request.GET.get("per_page", PAGE_SIZE))
    except ValueError:
        return PAGE_SIZE
    return min(max(wanted, 1), PAGE_SIZE_MAX)


def session_list(request: HttpRequest) -> HttpResponse:
    filters = SessionFilters(
        project=request.GET.get("project", "").strip(),
        phase=request.GET.get("phase", "").strip(),
        reason=request.GET.get("reason", "").strip(),
        search=request.GET.get("q", "").strip(),
    )
    overview = _overview(request, staff_caller(request.user))
    rows = session_rows(overview, filters)
    page = Paginator(rows, _page_size(request)).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = _context(
        request,
        "Sessions",
        page=page,
        filters=filters,
        projects=overview.projects,
        phases=[phase.value for phase in Phase],
        reasons=ready_reasons(overview),
        total=len(overview.sessions),
        matching=len(rows),
        query=query.urlencode(),
    )
    return render(request, "admin/console/session_list.html", context)


def _conditions(session: KubeObject) -> list[dict[str, Any]]:
    generation = (session.get("metadata") or {}).get("generation")
    rows = []
    for condition in (session.get("status") or {}).get("conditions") or ():
        observed = condition.get("observedGeneration")
        rows.append({**condition, "generation": generation, "behind": observed is not None and observed != generation})
    return rows


def _live_context(request: HttpRequest, caller: Caller, session: KubeObject) -> dict[str, Any]:
    metadata = session.get("metadata") or {}
    phase = phase_of(session)
    gateway = caller.gateway()
    try:
        resources: dict[str, Any] | None = selectors.session_k8s_resources(
            caller=caller, namespace=metadata["namespace"], name=metadata["name"]
        )
        resources_error = ""
    except ApplicationError as error:
        resources, resources_error = None, error.message
    return {
        "session": session,
        "project": metadata.get("namespace"),
        "name": metadata.get("name"),
        "phase": phase.value,
        # Moving between phases, or asked to (a start/stop the reconciler has not acted on yet).
        "changing": (phase in NON_TERMINAL_PHASES and phase != Phase.RUNNING) or desired_phase_of(session) is not None,
        "live_refresh_ms": LIVE_REFRESH_MS,
        "status": session.get("status") or {},
        "conditions": _conditions(session),
        "generation": metadata.get("generation"),
        "timeline": session_timeline(gateway=gateway, session=session),
        "resources": resources,
        "resources_error": resources_error,
    }


def _read_session(request: HttpRequest, project: str, name: str) -> tuple[Caller, KubeObject | None]:
    caller = staff_caller(request.user)
    try:
        selectors.project_require_managed(project)
        return caller, selectors.session_get(caller=caller, namespace=project, name=name)
    except ApplicationError as error:
        messages.error(request, error.message)
        return caller, None


def session_detail(request: HttpRequest, project: str, name: str) -> HttpResponse:
    caller, session = _read_session(request, project, name)
    if session is None:
        context = _context(request, f"Session {project}/{name}", project=project, name=name, session=None)
        return render(request, "admin/console/session_detail.html", context, status=404)
    path = request.GET.get("path", "").strip().strip("/")
    live = _live_context(request, caller, session)
    context = _context(
        request,
        str((session.get("spec") or {}).get("displayName") or name),
        **live,
        spec_json=json.dumps(session.get("spec") or {}, indent=2, sort_keys=True),
        annotations=sorted(((session.get("metadata") or {}).get("annotations") or {}).items()),
        transcript=transcript_read(session=session),
        workspace=workspace_listing(caller=caller, session=session, path=path),
        workspace_path=path,
        is_superuser=request.user.is_superuser,
        projects=_overview_projects(request, caller),
    )
    return render(request, "admin/console/session_detail.html", context)


def _overview_projects(request: HttpRequest, caller: Caller) -> list[str]:
    try:
        return [project["name"] for project in selectors.project_list(caller=caller)]
    except ApplicationError:
        return []


def session_live(request: HttpRequest, project: str, name: str) -> HttpResponse:
    """The part of the session page that changes while it runs (fetched by the page's script)."""
    caller, session = _read_session(request, project, name)
    if session is None:
        return HttpResponse(status=404)
    return render(request, "admin/console/_live.html", _live_context(request, caller, session))


def session_file(request: HttpRequest, project: str, name: str) -> HttpResponse:
    caller, session = _read_session(request, project, name)
    path = request.GET.get("path", "").strip().strip("/")
    preview = workspace_file_preview(caller=caller, session=session, path=path) if session is not None else None
    context = _context(
        request,
        path or "Workspace file",
        project=project,
        name=name,
        session=session,
        path=path,
        parent=path.rpartition("/")[0],
        preview=preview,
        limit=WORKSPACE_PREVIEW_BYTES,
    )
    return render(request, "admin/console/file.html", context, status=200 if session is not None else 404)
