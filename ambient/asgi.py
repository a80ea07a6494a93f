"""ASGI entry point: HTTP through Django, WebSockets through Channels (served by `ambient.asgi_server`)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.local")
django.setup(set_prefix=False)  # what get_asgi_application() does, for Django's handler with pooled threads

from ambient.asgi_handler import FastRoute, PooledThreadASGIHandler  # noqa: E402  (needs Django set up)
from sessions.views.workspace_file import (  # noqa: E402
    FILE_GET_URL_NAME,
    IDLE_MIDDLEWARE_FOR_FILE_GET,
    served_on_the_loop,
)

django_asgi_app = PooledThreadASGIHandler()
# The most frequent proxied read, without the handler's per-request work (ambient/asgi_handler.py).
http_app = FastRoute(
    django_asgi_app,
    url_name=FILE_GET_URL_NAME,
    path_contains="/workspace/",
    eligible=served_on_the_loop,
    idle_middleware=IDLE_MIDDLEWARE_FOR_FILE_GET,
)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up)

from ambient.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_app,
        # channels' stubs want their own URLPattern subclass; Django's path() objects are what it takes at run time
        "websocket": URLRouter(websocket_urlpatterns),  # type: ignore[arg-type]
    }
)
