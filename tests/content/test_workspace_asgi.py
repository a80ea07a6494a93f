"""Under ASGI (the api runs on uvicorn) a workspace file is streamed from an async iterator, so Django never
reads it whole into memory first."""

from __future__ import annotations

import asyncio
import os

import pytest
from django.http import StreamingHttpResponse
from django.test import AsyncClient

from tests.api.support import sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


def test_a_file_streams_through_the_asgi_handler(
    admin_token, project, running_session, content_token, fake_content, direct_route
):
    running_session(project, "s1")
    service = fake_content(content_token(project, "s1"))
    direct_route(service)
    payload = os.urandom(3 * 1024 * 1024 + 17)
    (service.root / "big.bin").write_bytes(payload)

    async def fetch() -> tuple[int, bool, bytes]:
        client = AsyncClient()
        url = sessions_url(project, "s1", "workspace/big.bin")
        answer = await client.get(url, headers={"Authorization": f"Bearer {admin_token}"})
        if not isinstance(answer, StreamingHttpResponse):
            raise AssertionError(answer.content)
        response: StreamingHttpResponse = answer
        received = b"".join([chunk async for chunk in response.streaming_content])
        return response.status_code, response.is_async, received

    status, is_async, received = asyncio.run(fetch())
    assert status == 200
    assert is_async
    assert received == payload
