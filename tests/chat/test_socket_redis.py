"""The chat over the Redis channel layers the api processes share (both backends settings offer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings

from tests.chat.support import next_frame, open_socket, run, send_frame, socket_path

pytestmark = [pytest.mark.localkube, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BACKENDS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_broadcasts_and_resume_cross_the_redis_layer(
    backend: str,
    redis_url: str,
    project: str,
    seed_session: Callable[..., dict[str, Any]],
    admin_token: str,
    worker_id: str,
) -> None:
    seed_session(project, "shared", phase="Running", interactive=True)
    layers = {
        "default": {"BACKEND": BACKENDS[backend], "CONFIG": {"hosts": [redis_url], "prefix": f"chat-{worker_id}"}}
    }

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]:
        first = await open_socket(socket_path(project, "shared"), admin_token)
        second = await open_socket(socket_path(project, "shared", original=True), admin_token)
        for number in range(5):
            await send_frame(first, {"type": "user_message", "payload": {"content": "hi", "n": number}})
        mine = [await next_frame(first) for _ in range(5)]
        theirs = [await next_frame(second) for _ in range(5)]
        late = await open_socket(socket_path(project, "shared", query=f"after={mine[1]['id']}"), admin_token)
        replayed = [(await next_frame(late))["id"] for _ in range(3)]
        for socket in (first, second, late):
            await socket.disconnect()
        return mine, theirs, replayed

    with override_settings(CHANNEL_LAYERS=layers):
        mine, theirs, replayed = run(scenario)
    assert mine == theirs
    assert [frame["payload"]["n"] for frame in theirs] == list(range(5))
    assert replayed == [frame["id"] for frame in mine[2:]]
