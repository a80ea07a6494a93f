"""ASGI entry point: HTTP through Django, WebSockets through Channels (served by `ambient.asgi_server`)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.local")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up)

from ambient.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # channels' stubs want their own URLPattern subclass; Django's path() objects are what it takes at run time
        "websocket": URLRouter(websocket_urlpatterns),  # type: ignore[arg-type]
    }
)
