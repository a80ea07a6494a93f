"""WebSocket routes of the session chat: the current path and the original one, then a catch-all."""

from __future__ import annotations

from django.urls import URLPattern, re_path

from sessions.chat.consumers import SessionChatConsumer, UnknownPathConsumer

# Names are matched loosely here; the consumer checks them (and closes with 4400/4404) itself.
_SESSION = r"api/projects/(?P<project>[^/]+)/(?:agentic-sessions|sessions)/(?P<session>[^/]+)/ws/?$"

# Django's stubs type re_path() for views only; Channels routes ASGI applications through the same patterns.
websocket_urlpatterns: list[URLPattern] = [
    re_path(_SESSION, SessionChatConsumer.as_asgi(), name="session-chat"),  # type: ignore[arg-type]
]
# Last: whatever no route above serves.
fallback_urlpatterns: list[URLPattern] = [re_path(r"", UnknownPathConsumer.as_asgi())]  # type: ignore[arg-type]
