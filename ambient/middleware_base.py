"""A middleware that runs sync under WSGI and async under ASGI, as its chain around it does.

Under ASGI a sync-only middleware costs every request a thread hop; a subclass writes `handle_sync`
and `handle_async` and this base picks one by the kind of `get_response` it wraps. It imports only
asgiref, so modules that settings import (logging) can use it without pulling in Django's ORM.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction


class DualModeMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        if self.async_mode:
            return self.handle_async(request)
        return self.handle_sync(request)

    def handle_sync(self, request: Any) -> Any:
        raise NotImplementedError

    async def handle_async(self, request: Any) -> Any:
        raise NotImplementedError
