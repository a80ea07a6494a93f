"""How `FastRoute` picks its requests: its route matching agrees with Django's `resolve()`, and the
path check with the whole workspace query serializer (tests/content/test_workspace_fast_route.py checks
the answers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import Resolver404, resolve
from rest_framework.exceptions import ValidationError

from ambient import asgi
from ambient.asgi_handler import FastRoute
from sessions.serializers.content import WorkspaceListQuerySerializer
from sessions.views.content import path_argument, validated
from sessions.views.workspace_file import (
    FILE_GET_URL_NAME,
    IDLE_MIDDLEWARE_FOR_FILE_GET,
    served_on_the_loop,
)


@pytest.fixture
def fast() -> FastRoute:
    return FastRoute(
        asgi.django_asgi_app,
        url_name=FILE_GET_URL_NAME,
        path_contains="/workspace/",
        eligible=served_on_the_loop,
        idle_middleware=IDLE_MIDDLEWARE_FOR_FILE_GET,
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/projects/p/agentic-sessions/s/workspace/a.txt",
        "/api/projects/p/agentic-sessions/s/workspace/a.json",
        "/api/projects/p/agentic-sessions/s/workspace/d/e/f",
        "/api/projects/p/agentic-sessions/s/workspace/d/",
        "/api/projects/p/agentic-sessions/s/workspace/",
        "/api/projects/p/agentic-sessions/s/workspace",
        "/api/projects/p.q/agentic-sessions/s/workspace/a",
        "/api/projects/p/agentic-sessions/s/messages/workspace/a",
        "/api/projects/p/sessions/s/workspace/a",
        "/api/projects/p/agentic-sessions/s/git/workspace/a",
        "/apix/projects/p/agentic-sessions/s/workspace/a",
        "/api/projects/p/agentic-sessions/s/workspace/a\nb",
    ],
)
def test_the_route_is_matched_as_django_resolves_it(fast, path):
    try:
        resolved = resolve(path)
    except Resolver404:
        resolved = None
    match = fast.match(path)
    if resolved is None or resolved.url_name != FILE_GET_URL_NAME:
        assert match is None
    else:
        assert match is not None
        assert match.kwargs == resolved.kwargs
        assert match.func is resolved.func


@pytest.mark.parametrize(
    "path",
    [
        "a.txt",
        "d/e/f",
        "",
        "../x",
        "a/../../b",
        "/etc/passwd",
        "-rf",
        "a/-x",
        "a\x00b",
        "a\nb",
        "a\x7fb",
        "..",
        "a/..",
        "x" * 1025,
        "x" * 1024,
        " a ",
        "a/./b",
        "a//b",
        "é/ü",
        ".hidden/..x",
    ],
)
def test_the_path_check_answers_as_the_whole_serializer(path):
    def outcome(check: Callable[[str], str]) -> tuple[str, Any]:
        try:
            return "ok", check(path)
        except ValidationError as problem:
            return "refused", problem.detail

    def whole_serializer(value: str) -> str:
        return str(validated(WorkspaceListQuerySerializer, {"path": value})["path"])

    assert outcome(path_argument) == outcome(whole_serializer)
    assert outcome(path_argument) == outcome(path_argument)  # a remembered answer is the same
