"""The console's writes: create, start, stop, clone, rename, delete, and sending a chat message.

Each validates its form with the API's serializer, calls the same service the API calls, as the
staff user (impersonated), records who did it on the session (history.py), and answers with a
redirect and an admin message: success, or the service's own refusal message (a 409 for a start
on a Running session reads exactly as the API's body says), never a stack trace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST
from rest_framework import serializers

from ambient.exceptions import ApplicationError, InvalidInput, PayloadTooLarge
from ambient.kube import AccessCheck
from sessions import selectors, services
from sessions.admin.history import console_action_record
from sessions.auth import Caller, staff_caller
from sessions.chat.access import chat_target_of
from sessions.chat.protocol import TYPE_USER_MESSAGE, FrameError, inbound_from_object
from sessions.chat.services import chat_message_post
from sessions.serializers.inputs import DisplayNameSerializer, SessionCloneSerializer, SessionCreateSerializer

KubeObject = dict[str, Any]


def _session_url(project: str, name: str) -> str:
    return reverse("admin:console-session", kwargs={"project": project, "name": name})


def _validated(serializer_class: type[serializers.Serializer], data: dict[str, Any]) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        problems = "; ".join(
            f"{field}: {' '.join(str(item) for item in errors)}" if isinstance(errors, list) else f"{field}: {errors}"
            for field, errors in serializer.errors.items()
        )
        raise InvalidInput(f"Please correct the form: {problems}")
    return dict(serializer.validated_data)


def _refusal(request: HttpRequest, error: ApplicationError) -> None:
    messages.error(request, f"Refused: {error.message}")


def session_create_page(request: HttpRequest) -> HttpResponse:
    caller = staff_caller(request.user)
    try:
        projects = [project["name"] for project in selectors.project_list(caller=caller)]
    except ApplicationError as error:
        _refusal(request, error)
        projects = []
    form = {key: request.POST.get(key, "") for key in ("project", "name", "displayName", "initialPrompt")}
    form["interactive"] = request.POST.get("interactive", "on" if request.method == "GET" else "")
    if request.method == "POST":
        project = form["project"]
        data: dict[str, Any] = {key: form[key] for key in ("name", "displayName", "initialPrompt") if form[key]}
        data["interactive"] = bool(form["interactive"])
        try:
            selectors.project_require_managed(project)
            validated = _validated(SessionCreateSerializer, data)
            created = services.session_create(caller=caller, namespace=project, data=validated)
        except ApplicationError as error:
            _refusal(request, error)
        else:
            name = created["metadata"]["name"]
            console_action_record(caller=caller, session=created, reason="ConsoleCreated", what="Created")
            messages.success(request, f"Session {project}/{name} created.")
            return HttpResponseRedirect(_session_url(project, name))
    context = {**admin.site.each_context(request), "title": "New session", "projects": projects, "form": form}
    return render(request, "admin/console/session_create.html", context)


def _start(caller: Caller, project: str, name: str, request: HttpRequest) -> tuple[KubeObject, str]:
    return services.session_start(caller=caller, namespace=project, name=name), "Start requested"


def _stop(caller: Caller, project: str, name: str, request: HttpRequest) -> tuple[KubeObject, str]:
    return services.session_stop(caller=caller, namespace=project, name=name), "Stop requested"


def _rename(caller: Caller, project: str, name: str, request: HttpRequest) -> tuple[KubeObject, str]:
    data = _validated(DisplayNameSerializer, {"displayName": request.POST.get("displayName", "")})
    renamed = services.session_display_name_set(
        caller=caller, namespace=project, name=name, display_name=data["displayName"]
    )
    return renamed, f"Display name set to {data['displayName']!r}"


def _clone(caller: Caller, project: str, name: str, request: HttpRequest) -> tuple[KubeObject, str]:
    data = {
        key: value
        for key, value in (
            ("targetProject", request.POST.get("targetProject", "").strip()),
            ("newSessionName", request.POST.get("newSessionName", "").strip()),
        )
        if value
    }
    validated = _validated(SessionCloneSerializer, data)
    clone = services.session_clone(
        caller=caller,
        namespace=project,
        name=name,
        target_project=validated.get("targetProject"),
        new_name=validated.get("newSessionName"),
    )
    return clone, f"Cloned from {project}/{name}"


Action = Callable[[Caller, str, str, HttpRequest], tuple[KubeObject, str]]
ACTIONS: dict[str, tuple[Action, str]] = {
    "start": (_start, "ConsoleStartRequested"),
    "stop": (_stop, "ConsoleStopRequested"),
    "rename": (_rename, "ConsoleRenamed"),
    "clone": (_clone, "ConsoleCloned"),
}


@require_POST
def session_action(request: HttpRequest, project: str, name: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        messages.error(request, f"Unknown action {action!r}: use one of {', '.join(sorted(ACTIONS))}.")
        return HttpResponseRedirect(_session_url(project, name))
    run, reason = ACTIONS[action]
    caller = staff_caller(request.user)
    try:
        selectors.project_require_managed(project)
        result, what = run(caller, project, name, request)
    except ApplicationError as error:
        _refusal(request, error)
        return HttpResponseRedirect(_session_url(project, name))
    console_action_record(caller=caller, session=result, reason=reason, what=what)
    metadata = result.get("metadata") or {}
    messages.success(request, f"{what}: {metadata.get('namespace')}/{metadata.get('name')}.")
    return HttpResponseRedirect(
        _session_url(str(metadata.get("namespace") or project), str(metadata.get("name") or name))
    )


def session_delete_page(request: HttpRequest, project: str, name: str) -> HttpResponse:
    """A confirmation page (GET), then the delete (POST). Only superusers may delete from the console."""
    if not request.user.is_superuser:
        messages.error(request, "Refused: only superusers may delete sessions from the console.")
        return HttpResponseRedirect(_session_url(project, name))
    if request.method == "POST":
        caller = staff_caller(request.user)
        try:
            selectors.project_require_managed(project)
            services.session_delete(caller=caller, namespace=project, name=name)
        except ApplicationError as error:
            _refusal(request, error)
            return HttpResponseRedirect(_session_url(project, name))
        messages.success(request, f"Session {project}/{name} deleted.")
        return HttpResponseRedirect(reverse("admin:console-sessions"))
    context = {**admin.site.each_context(request), "title": "Delete session?", "project": project, "name": name}
    return render(request, "admin/console/confirm_delete.html", context)


@require_POST
def session_chat_send(request: HttpRequest, project: str, name: str) -> HttpResponse:
    caller = staff_caller(request.user)
    text = request.POST.get("content", "")
    try:
        selectors.project_require_managed(project)
        caller.require(
            AccessCheck(namespace=project, verb="update", name=name),
            f"You may not send messages to {project}/{name}: it needs the edit role in the project.",
        )
        if not text.strip():
            raise InvalidInput("Write a message first.")
        try:
            inbound = inbound_from_object({"content": text}, default_type=TYPE_USER_MESSAGE)
        except FrameError as error:
            raise InvalidInput(error.message) from None
        limit = settings.CHAT_MAX_MESSAGE_BYTES
        if len(text.encode("utf-8")) > limit:
            raise PayloadTooLarge(f"The message is larger than {limit} bytes; send less.", details={"limit": limit})
        session = caller.gateway().session_get(namespace=project, name=name)
        chat_message_post(target=chat_target_of(session), inbound=inbound, sender=caller.identity().username)
    except ApplicationError as error:
        _refusal(request, error)
    return HttpResponseRedirect(f"{_session_url(project, name)}#chat")
