"""A deleted session's sockets: closed at once (4404) by a delete, and never given a new thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from sessions.chat.models import ChatMessage, ChatThread
from sessions.chat.protocol import CLOSE_NOT_FOUND
from tests.api.support import client_with, sessions_url
from tests.chat.support import next_frame, open_socket, run, send_frame, socket_path

pytestmark = [pytest.mark.localkube, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chat_session(project: str, seed_session: Callable[..., dict[str, Any]]) -> str:
    seed_session(project, "doomed", phase="Running", interactive=True)
    return "doomed"


async def gone_frame_then_close(socket: WebsocketCommunicator) -> tuple[dict[str, Any], int]:
    """The `session_gone` error frame a closing socket gets, and its close code."""
    frame = await next_frame(socket)
    closed = await socket.receive_output(timeout=10)
    assert closed["type"] == "websocket.close"
    return frame, int(closed["code"])


def test_deleting_a_session_closes_its_open_sockets_with_4404(
    project: str, chat_session: str, admin_token: str, seed_session: Callable[..., dict[str, Any]]
) -> None:
    seed_session(project, "bystander", phase="Running", interactive=True)
    client = client_with(admin_token)

    async def scenario() -> tuple[dict[str, Any], int, dict[str, Any]]:
        socket = await open_socket(socket_path(project, chat_session), admin_token)
        other = await open_socket(socket_path(project, "bystander"), admin_token)
        await send_frame(socket, {"type": "user_message", "payload": {"content": "before"}})
        await next_frame(socket)
        deleted = await sync_to_async(client.delete)(sessions_url(project, chat_session))
        assert deleted.status_code == 204
        frame, code = await gone_frame_then_close(socket)
        # Another session's socket is left alone.
        await send_frame(other, {"type": "ping"})
        pong = await next_frame(other)
        await other.disconnect()
        return frame, code, pong

    frame, code, pong = run(scenario)
    assert frame["type"] == "error" and frame["payload"]["code"] == "session_gone"
    assert code == CLOSE_NOT_FOUND
    assert pong["type"] == "pong"
    assert not ChatThread.objects.filter(session=chat_session).exists()


def test_a_first_frame_after_the_session_is_gone_is_refused_without_a_new_thread(
    project: str, chat_session: str, admin_token: str, kube_sessions: Any
) -> None:
    """Deleted with kubectl (no close broadcast), before the socket stored anything: the access re-check
    is 300 s away, yet the frame is refused and no thread is created for the old uid."""
    from ambient.contract import GROUP, PLURAL, VERSION

    async def scenario() -> tuple[dict[str, Any], int]:
        socket = await open_socket(socket_path(project, chat_session), admin_token)
        await sync_to_async(kube_sessions.delete_namespaced_custom_object)(
            GROUP, VERSION, project, PLURAL, chat_session
        )
        await send_frame(socket, {"type": "user_message", "payload": {"content": "anyone?"}})
        return await gone_frame_then_close(socket)

    frame, code = run(scenario)
    assert frame["payload"]["code"] == "session_gone" and code == CLOSE_NOT_FOUND
    assert not ChatThread.objects.exists() and not ChatMessage.objects.exists()


def test_a_frame_after_the_thread_was_removed_is_refused_and_closes(
    project: str, chat_session: str, admin_token: str
) -> None:
    """The close broadcast is missed (another process, a layer outage): the thread the socket used is gone."""

    async def scenario() -> tuple[dict[str, Any], int]:
        socket = await open_socket(socket_path(project, chat_session), admin_token)
        await send_frame(socket, {"type": "user_message", "payload": {"content": "first"}})
        await next_frame(socket)
        await sync_to_async(ChatThread.objects.filter(session=chat_session).delete)()
        await send_frame(socket, {"type": "user_message", "payload": {"content": "second"}})
        return await gone_frame_then_close(socket)

    frame, code = run(scenario)
    assert frame["payload"]["code"] == "session_gone" and code == CLOSE_NOT_FOUND
    assert not ChatThread.objects.exists()


def test_the_sweep_closes_only_sockets_of_the_removed_run(project: str, chat_session: str, admin_token: str) -> None:
    from django.utils import timezone

    from sessions.chat.services import chat_threads_delete_orphans

    async def scenario() -> tuple[dict[str, Any], int]:
        socket = await open_socket(socket_path(project, chat_session), admin_token)
        await send_frame(socket, {"type": "user_message", "payload": {"content": "hi"}})
        await next_frame(socket)
        thread = await sync_to_async(ChatThread.objects.get)(session=chat_session)
        live = {(thread.namespace, thread.session, thread.session_uid)}
        # Still listed: nothing removed, the socket stays open.
        assert await sync_to_async(chat_threads_delete_orphans)(live=live, listed_at=timezone.now()) == 0
        await send_frame(socket, {"type": "ping"})
        assert (await next_frame(socket))["type"] == "pong"
        assert await sync_to_async(chat_threads_delete_orphans)(live=set(), listed_at=timezone.now()) == 1
        return await gone_frame_then_close(socket)

    frame, code = run(scenario)
    assert frame["payload"]["code"] == "session_gone" and code == CLOSE_NOT_FOUND
