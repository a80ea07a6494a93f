"""The chat WebSocket through the ASGI router: routing, refusals, frames, ordering and resume."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings

from sessions.chat.protocol import CLOSE_BAD_REQUEST, CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED
from tests.chat.support import communicator, next_frame, open_socket, refused_with, run, send_frame, socket_path

pytestmark = [pytest.mark.localkube, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chat_session(project: str, seed_session: Callable[..., dict[str, Any]]) -> str:
    seed_session(project, "chat", phase="Running", interactive=True)
    return "chat"


@pytest.mark.parametrize("path", ["/ws", "/api/projects/x/agentic-sessions/y/nope", "/api/unknown/ws", "/"])
def test_unknown_paths_close_with_4404(path: str) -> None:
    assert run(lambda: refused_with(path)) == CLOSE_NOT_FOUND


def test_no_token_closes_with_4401(project: str, chat_session: str) -> None:
    assert run(lambda: refused_with(socket_path(project, chat_session))) == CLOSE_UNAUTHENTICATED


def test_rejected_token_closes_with_4401(project: str, chat_session: str) -> None:
    assert run(lambda: refused_with(socket_path(project, chat_session), "not-a-real-token")) == CLOSE_UNAUTHENTICATED


def test_token_without_a_role_closes_with_4403(project: str, chat_session: str, make_user) -> None:
    _, token = make_user(None)
    assert run(lambda: refused_with(socket_path(project, chat_session), token)) == CLOSE_FORBIDDEN


def test_another_projects_session_closes_with_4403(
    project: str, chat_session: str, make_user, django_kube, seed_session
) -> None:
    from tests.api.support import managed_namespace

    other = managed_namespace(django_kube)
    seed_session(other, "theirs", phase="Running")
    _, token = make_user("admin", project)
    assert run(lambda: refused_with(socket_path(other, "theirs"), token)) == CLOSE_FORBIDDEN


def test_missing_session_closes_with_4404(project: str, admin_token: str) -> None:
    assert run(lambda: refused_with(socket_path(project, "absent"), admin_token)) == CLOSE_NOT_FOUND


def test_bad_after_closes_with_4400(project: str, chat_session: str, admin_token: str) -> None:
    path = socket_path(project, chat_session, query="after=abc")
    assert run(lambda: refused_with(path, admin_token)) == CLOSE_BAD_REQUEST


def test_token_in_the_query_string_is_accepted(project: str, chat_session: str, admin_token: str) -> None:
    async def scenario() -> dict[str, Any]:
        socket = await open_socket(socket_path(project, chat_session, query=f"token={admin_token}"))
        await send_frame(socket, {"type": "ping"})
        frame = await next_frame(socket)
        await socket.disconnect()
        return frame

    assert run(scenario)["type"] == "pong"


def test_ping_is_answered_to_the_sender_only_and_not_stored(project: str, chat_session: str, admin_token: str) -> None:
    async def scenario() -> tuple[dict[str, Any], bool]:
        sender = await open_socket(socket_path(project, chat_session), admin_token)
        other = await open_socket(socket_path(project, chat_session), admin_token)
        await send_frame(sender, {"type": "ping"})
        pong = await next_frame(sender)
        other_silent = await other.receive_nothing(timeout=0.3)
        await sender.disconnect()
        await other.disconnect()
        return pong, other_silent

    pong, other_silent = run(scenario)
    assert pong["type"] == "pong" and pong["timestamp"].endswith("Z")
    assert other_silent
    from sessions.chat.models import ChatMessage

    assert not ChatMessage.objects.exists()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ('{"payload": {}}', "invalid_frame"),
        ('{"type": "has space"}', "invalid_frame"),
        ('{"type": 7}', "invalid_frame"),
        ('{"type": "pong"}', "reserved_type"),
        ('{"type": "error", "payload": {}}', "reserved_type"),
        ("[" * 100000 + "]" * 100000, "invalid_json"),
        ('{"type": "user_message", "payload": {}}', "invalid_frame"),
        ('{"type": "user_message", "payload": {"content": 5}}', "invalid_frame"),
        ('{"type": "user_message", "content": true}', "invalid_frame"),
        ('{"type": "user_message", "payload": {"content": "  "}}', "invalid_frame"),
        ('{"type": "user_message", "payload": {"content": "a\\u0000b"}}', "invalid_frame"),
        ('{"type": "note", "payload": {"\\ud800": 1}}', "invalid_frame"),
    ],
)
def test_malformed_frames_get_an_error_frame_and_the_socket_stays_open(
    project: str, chat_session: str, admin_token: str, frame: str, code: str
) -> None:
    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        socket = await open_socket(socket_path(project, chat_session), admin_token)
        await socket.send_to(text_data=frame)
        error = await next_frame(socket)
        await send_frame(socket, {"type": "ping"})
        still_open = await next_frame(socket)
        await socket.disconnect()
        return error, still_open

    error, still_open = run(scenario)
    assert error["type"] == "error" and error["payload"]["code"] == code and error["payload"]["message"]
    assert still_open["type"] == "pong"
    from sessions.chat.models import ChatMessage

    assert not ChatMessage.objects.exists()


@override_settings(CHAT_MAX_MESSAGE_BYTES=1024)
def test_oversized_and_binary_frames_are_refused(project: str, chat_session: str, admin_token: str) -> None:
    async def scenario() -> list[dict[str, Any]]:
        socket = await open_socket(socket_path(project, chat_session), admin_token)
        await send_frame(socket, {"type": "user_message", "payload": {"content": "x" * 2000}})
        too_large = await next_frame(socket)
        await socket.send_to(bytes_data=b"\x00\x01")
        binary = await next_frame(socket)
        await socket.disconnect()
        return [too_large, binary]

    too_large, binary = run(scenario)
    assert too_large["payload"]["code"] == "frame_too_large"
    assert binary["payload"]["code"] == "invalid_frame"


def test_a_frame_is_stored_and_broadcast_to_every_client_with_id_and_timestamp(
    project: str, chat_session: str, admin_token: str, make_user
) -> None:
    viewer, viewer_token = make_user("view", project)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        sender = await open_socket(socket_path(project, chat_session), admin_token)
        watcher = await open_socket(socket_path(project, chat_session, original=True), viewer_token)
        await send_frame(sender, {"type": "user_message", "payload": {"content": "hello"}})
        echoed, seen = await next_frame(sender), await next_frame(watcher)
        await sender.disconnect()
        await watcher.disconnect()
        return echoed, seen

    echoed, seen = run(scenario)
    assert echoed == seen
    assert echoed["type"] == "user_message" and echoed["payload"] == {"content": "hello"}
    assert echoed["sessionId"] == chat_session and isinstance(echoed["id"], int) and echoed["timestamp"].endswith("Z")
    assert echoed["sender"].startswith("user-")


def test_a_frame_without_an_object_payload_keeps_the_rest_of_the_frame(
    project: str, chat_session: str, admin_token: str
) -> None:
    async def scenario() -> dict[str, Any]:
        socket = await open_socket(socket_path(project, chat_session), admin_token)
        await send_frame(socket, {"type": "system.message", "seq": 3, "payload": "session.started"})
        frame = await next_frame(socket)
        await socket.disconnect()
        return frame

    assert run(scenario)["payload"] == {"seq": 3, "payload": "session.started"}


def test_a_viewer_may_listen_but_not_send(project: str, chat_session: str, make_user) -> None:
    _, viewer_token = make_user("view", project)

    async def scenario() -> dict[str, Any]:
        socket = await open_socket(socket_path(project, chat_session), viewer_token)
        await send_frame(socket, {"type": "user_message", "payload": {"content": "hi"}})
        frame = await next_frame(socket)
        await socket.disconnect()
        return frame

    assert run(scenario)["payload"]["code"] == "forbidden"


def test_messages_from_several_clients_arrive_in_the_same_order_everywhere(
    project: str, chat_session: str, admin_token: str
) -> None:
    per_client = 15

    async def scenario() -> list[list[int]]:
        sockets = [await open_socket(socket_path(project, chat_session), admin_token) for _ in range(3)]
        for number in range(per_client):
            for index, socket in enumerate(sockets):
                await send_frame(
                    socket, {"type": "user_message", "payload": {"content": "hi", "from": index, "n": number}}
                )
        seen = []
        for socket in sockets:
            frames = [await next_frame(socket) for _ in range(per_client * len(sockets))]
            seen.append([frame["id"] for frame in frames])
            await socket.disconnect()
        return seen

    seen = run(scenario)
    assert seen[0] == sorted(seen[0]) and len(set(seen[0])) == per_client * 3
    assert seen[0] == seen[1] == seen[2]


def test_reconnecting_with_after_replays_what_was_missed_then_continues_live(
    project: str, chat_session: str, admin_token: str
) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        first = await open_socket(socket_path(project, chat_session), admin_token)
        await send_frame(first, {"type": "user_message", "payload": {"content": "hi", "n": 0}})
        last_seen = (await next_frame(first))["id"]
        await first.disconnect()

        writer = await open_socket(socket_path(project, chat_session), admin_token)
        for number in (1, 2, 3):
            await send_frame(writer, {"type": "user_message", "payload": {"content": "hi", "n": number}})
        for _ in range(3):
            await next_frame(writer)

        back = await open_socket(socket_path(project, chat_session, query=f"after={last_seen}"), admin_token)
        replayed = [await next_frame(back) for _ in range(3)]
        await send_frame(writer, {"type": "user_message", "payload": {"content": "hi", "n": 4}})
        live = await next_frame(back)
        assert await back.receive_nothing(timeout=0.3)
        await writer.disconnect()
        await back.disconnect()
        return replayed, live

    replayed, live = run(scenario)
    assert [frame["payload"]["n"] for frame in replayed] == [1, 2, 3]
    assert live["payload"]["n"] == 4


def test_disconnect_without_connect_does_not_raise() -> None:
    async def scenario() -> None:
        socket = communicator("/api/projects/p/agentic-sessions/s/ws")
        await socket.disconnect()

    run(scenario)
    assert json.dumps({})  # reached without an exception


def test_the_sessions_runner_may_send_with_get_only_and_another_sessions_runner_may_not_connect(
    project: str, seed_session: Callable[..., dict[str, Any]], django_kube: Any, admin_token: str, kube_sessions: Any
) -> None:
    from ambient.contract import ANNOTATION_RUNNER_SA, GROUP, PLURAL, VERSION, service_account_name
    from tests.security.api_support import runner_token

    session = seed_session(project, "ran", phase="Running", interactive=True)
    other = seed_session(project, "other", phase="Running", interactive=True)
    annotation = {"metadata": {"annotations": {ANNOTATION_RUNNER_SA: service_account_name("ran")}}}
    kube_sessions.patch_namespaced_custom_object(GROUP, VERSION, project, PLURAL, "ran", annotation)
    token = runner_token(django_kube, project, session)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any], int]:
        runner = await open_socket(socket_path(project, "ran"), token)
        user = await open_socket(socket_path(project, "ran"), admin_token)
        await send_frame(runner, {"type": "agent.message", "payload": {"text": "hi"}})
        own, seen = await next_frame(runner), await next_frame(user)
        await runner.disconnect()
        await user.disconnect()
        refused = await refused_with(socket_path(project, other["metadata"]["name"]), token)
        return own, seen, refused

    own, seen, refused = run(scenario)
    assert own == seen and seen["type"] == "agent.message"
    assert seen["sender"] == f"system:serviceaccount:{project}:{service_account_name('ran')}"
    assert refused == CLOSE_FORBIDDEN


def test_an_open_socket_closes_once_the_callers_role_is_removed(
    project: str, chat_session: str, make_user, django_kube: Any, settings: Any
) -> None:
    import kubernetes.client

    from localkube.testing import present
    from sessions.auth import forget_cached_access

    username, token = make_user("view", project)
    settings.CHAT_ACCESS_RECHECK_SECONDS = 0

    async def scenario() -> int:
        socket = await open_socket(socket_path(project, chat_session), token)
        await send_frame(socket, {"type": "ping"})
        assert (await next_frame(socket))["type"] == "pong"
        rbac = kubernetes.client.RbacAuthorizationV1Api(django_kube.api_client())
        for binding in rbac.list_namespaced_role_binding(project).items:
            if any(subject.name == username for subject in binding.subjects or []):
                metadata = present(binding.metadata, "the binding's metadata")
                rbac.delete_namespaced_role_binding(present(metadata.name, "the binding's name"), project)
        forget_cached_access()
        await send_frame(socket, {"type": "ping"})
        closed = await socket.receive_output(timeout=10)
        assert closed["type"] == "websocket.close"
        return int(closed["code"])

    assert run(scenario) == CLOSE_FORBIDDEN


def test_an_open_socket_closes_when_its_session_is_recreated(
    project: str, chat_session: str, admin_token: str, kube_sessions: Any, seed_session: Any, settings: Any
) -> None:
    from ambient.contract import GROUP, PLURAL, VERSION

    settings.CHAT_ACCESS_RECHECK_SECONDS = 0

    async def scenario() -> int:
        socket = await open_socket(socket_path(project, chat_session), admin_token)
        kube_sessions.delete_namespaced_custom_object(GROUP, VERSION, project, PLURAL, chat_session)
        seed_session(project, chat_session, phase="Running")
        await send_frame(socket, {"type": "ping"})
        gone = await next_frame(socket)
        assert gone["payload"]["code"] == "session_gone"
        closed = await socket.receive_output(timeout=10)
        return int(closed["code"])

    assert run(scenario) == CLOSE_NOT_FOUND


def test_a_long_replay_comes_in_pages_in_order(
    project: str, chat_session: str, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sessions.chat import consumers

    monkeypatch.setattr(consumers, "REPLAY_PAGE_SIZE", 2)

    async def scenario() -> tuple[list[int], list[int]]:
        writer = await open_socket(socket_path(project, chat_session), admin_token)
        for number in range(7):
            await send_frame(writer, {"type": "user_message", "payload": {"content": "hi", "n": number}})
        sent = [(await next_frame(writer))["id"] for _ in range(7)]
        reader = await open_socket(socket_path(project, chat_session, query="after=0"), admin_token)
        replayed = [(await next_frame(reader))["id"] for _ in range(7)]
        assert await reader.receive_nothing(timeout=0.3)
        await writer.disconnect()
        await reader.disconnect()
        return sent, replayed

    sent, replayed = run(scenario)
    assert replayed == sent
