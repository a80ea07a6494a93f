"""WebSocket routes: the session chat, then a catch-all that closes unknown paths with 4404."""

from django.urls import URLPattern

from sessions.chat.routing import fallback_urlpatterns
from sessions.chat.routing import websocket_urlpatterns as chat_urlpatterns

websocket_urlpatterns: list[URLPattern] = [*chat_urlpatterns, *fallback_urlpatterns]
