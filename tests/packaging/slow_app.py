"""A tiny ASGI app for the API server's shutdown test: `/slow` answers after a pause."""

from __future__ import annotations

import asyncio
from typing import Any

PAUSE_SECONDS = 2.0


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if scope["path"] == "/slow":
        await asyncio.sleep(PAUSE_SECONDS)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"done"})
