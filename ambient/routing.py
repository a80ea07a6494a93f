"""WebSocket routes; the session chat consumer registers here when the chat issue lands."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
