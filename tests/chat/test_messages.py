"""`POST/GET …/messages` on both paths: sending, history paging, authorization and bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from sessions.chat.models import ChatMessage
from tests.api.support import client_with, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.django_db(transaction=True)]


def messages_url(project: str, session: str, *, original: bool = False) -> str:
    if original:
        return f"/api/projects/{project}/sessions/{session}/messages"
    return sessions_url(project, session, "messages")


def post(client: APIClient, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def chat_session(project: str, seed_session: Callable[..., dict[str, Any]]) -> str:
    seed_session(project, "talk", phase="Running", interactive=True)
    return "talk"


@pytest.mark.parametrize("original", [False, True], ids=["agentic-sessions", "sessions"])
def test_a_posted_message_is_queued_and_in_history(
    project: str, chat_session: str, admin_client: APIClient, original: bool
) -> None:
    url = messages_url(project, chat_session, original=original)

    sent = post(admin_client, url, {"content": "hello"})
    history = admin_client.get(url)

    assert sent.status_code == 202, sent.content
    assert sent.json()["status"] == "queued" and isinstance(sent.json()["id"], int)
    body = history.json()
    assert history.status_code == 200 and body["sessionId"] == chat_session and body["hasMore"] is False
    [message] = body["messages"]
    assert message["id"] == sent.json()["id"] == body["lastId"]
    assert message["type"] == "user_message" and message["payload"] == {"content": "hello"}
    assert message["timestamp"].endswith("Z") and message["sender"].startswith("user-")


def test_a_typed_message_keeps_its_type_and_the_rest_as_payload(
    project: str, chat_session: str, admin_client: APIClient
) -> None:
    url = messages_url(project, chat_session)
    post(admin_client, url, {"type": "workflow_change", "gitUrl": "https://example.com/w.git", "branch": "main"})
    post(admin_client, url, {"type": "interrupt"})
    post(admin_client, url, {"type": "agent.message", "payload": {"text": "x"}, "ignored": 1})

    messages = admin_client.get(url).json()["messages"]

    assert [(item["type"], item["payload"]) for item in messages] == [
        ("workflow_change", {"gitUrl": "https://example.com/w.git", "branch": "main"}),
        ("interrupt", {}),
        ("agent.message", {"text": "x"}),
    ]


def test_history_pages_with_after_and_limit(project: str, chat_session: str, admin_client: APIClient) -> None:
    url = messages_url(project, chat_session)
    ids = [post(admin_client, url, {"content": str(number)}).json()["id"] for number in range(5)]

    first = admin_client.get(url, {"limit": 2}).json()
    rest = admin_client.get(url, {"after": first["lastId"], "limit": 10}).json()
    none_left = admin_client.get(url, {"after": ids[-1]}).json()

    assert [item["id"] for item in first["messages"]] == ids[:2] and first["hasMore"] is True
    assert [item["id"] for item in rest["messages"]] == ids[2:] and rest["hasMore"] is False
    assert none_left["messages"] == [] and none_left["lastId"] == ids[-1]


@pytest.mark.parametrize("query", [{"after": "x"}, {"after": "-1"}, {"limit": "0"}, {"limit": "1001"}])
def test_bad_history_parameters_are_400(
    project: str, chat_session: str, admin_client: APIClient, query: dict[str, str]
) -> None:
    response = admin_client.get(messages_url(project, chat_session), query)
    assert response.status_code == 400 and response.json()["code"]


def test_messages_are_kept_per_project(
    project: str, chat_session: str, admin_client: APIClient, django_kube, make_user, seed_session
) -> None:
    from tests.api.support import bind, managed_namespace

    other = managed_namespace(django_kube)
    seed_session(other, chat_session, phase="Running")
    username, token = make_user("admin", project)
    bind(django_kube, other, username, "admin")
    client = client_with(token)
    post(client, messages_url(project, chat_session), {"content": "here"})

    assert client.get(messages_url(other, chat_session)).json()["messages"] == []


def test_a_viewer_reads_history_but_may_not_post(
    project: str, chat_session: str, admin_client: APIClient, client_as
) -> None:
    post(admin_client, messages_url(project, chat_session), {"content": "hi"})
    viewer = client_as("view", project)

    assert viewer.get(messages_url(project, chat_session)).status_code == 200
    refused = post(viewer, messages_url(project, chat_session), {"content": "no"})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_no_token_is_401_and_no_role_is_403(project: str, chat_session: str, client_as) -> None:
    assert client_with(None).get(messages_url(project, chat_session)).status_code == 401
    assert post(client_with(None), messages_url(project, chat_session), {"content": "x"}).status_code == 401
    assert client_as(None, project).get(messages_url(project, chat_session)).status_code == 403


def test_an_absent_session_is_404(project: str, admin_client: APIClient) -> None:
    assert admin_client.get(messages_url(project, "absent")).status_code == 404
    assert post(admin_client, messages_url(project, "absent"), {"content": "x"}).status_code == 404
    assert not ChatMessage.objects.exists()


@pytest.mark.parametrize(
    "body",
    [[1, 2], "text", {"type": ""}, {"type": "bad type"}, {"type": "pong"}, {"type": "error"}],
    ids=["array", "string", "empty-type", "spaced-type", "pong", "error"],
)
def test_bad_bodies_are_400(project: str, chat_session: str, admin_client: APIClient, body: Any) -> None:
    response = post(admin_client, messages_url(project, chat_session), body)
    assert response.status_code == 400, response.content
    assert not ChatMessage.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"content": 5},
        {"content": True},
        {"content": None},
        {"content": ""},
        {"content": "   "},
        {"text": 5},
        {"content": 5, "text": "the content key wins, as in the runner"},
        {"type": "user_message", "payload": {}},
        {"type": "user_message", "payload": {"content": ["hi"]}},
    ],
    ids=[
        "empty",
        "number",
        "boolean",
        "null",
        "blank",
        "spaces",
        "text-number",
        "content-over-text",
        "no-text",
        "list",
    ],
)
def test_a_user_message_without_text_is_400_naming_content(
    project: str, chat_session: str, admin_client: APIClient, body: Any
) -> None:
    response = post(admin_client, messages_url(project, chat_session), body)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_input"
    assert "content" in response.json()["details"]["fields"], response.json()
    assert not ChatMessage.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{"type": "interrupt", "content": 5}, {"type": "interrupt", "payload": "x"}, {"type": 5}],
    ids=["content-number", "payload-string", "type-number"],
)
def test_a_documented_field_of_the_wrong_json_type_is_400(
    project: str, chat_session: str, admin_client: APIClient, body: Any
) -> None:
    response = post(admin_client, messages_url(project, chat_session), body)
    assert response.status_code == 400, response.content
    assert not ChatMessage.objects.exists()


@pytest.mark.parametrize(
    ("body", "payload"),
    [
        ({"text": "hi"}, {"text": "hi"}),
        ({"type": "user_message", "payload": {"content": "hi"}}, {"content": "hi"}),
        ({"type": "interrupt"}, {}),
    ],
    ids=["text", "payload-content", "other-type-needs-none"],
)
def test_a_message_with_text_or_of_another_type_is_accepted(
    project: str, chat_session: str, admin_client: APIClient, body: Any, payload: dict[str, Any]
) -> None:
    url = messages_url(project, chat_session)
    assert post(admin_client, url, body).status_code == 202
    assert admin_client.get(url).json()["messages"][0]["payload"] == payload


def test_non_json_is_400(project: str, chat_session: str, admin_client: APIClient) -> None:
    response = admin_client.post(messages_url(project, chat_session), "{oops", content_type="application/json")
    assert response.status_code == 400


@override_settings(CHAT_MAX_MESSAGE_BYTES=1024)
def test_an_oversized_message_is_413(project: str, chat_session: str, admin_client: APIClient) -> None:
    response = post(admin_client, messages_url(project, chat_session), {"content": "x" * 2000})
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert response.json()["details"]["limit"] == 1024


def test_deleting_the_session_removes_its_history_and_a_new_one_starts_empty(
    project: str, chat_session: str, admin_client: APIClient, seed_session
) -> None:
    post(admin_client, messages_url(project, chat_session), {"content": "before"})

    assert admin_client.delete(sessions_url(project, chat_session)).status_code == 204
    assert not ChatMessage.objects.filter(namespace=project, session=chat_session).exists()
    seed_session(project, chat_session, phase="Running")
    assert admin_client.get(messages_url(project, chat_session)).json()["messages"] == []


def test_a_recreated_session_starts_empty_even_when_deleted_outside_the_api(
    project: str, chat_session: str, admin_client: APIClient, seed_session, kube_sessions
) -> None:
    from ambient.contract import GROUP, PLURAL, VERSION

    post(admin_client, messages_url(project, chat_session), {"content": "before"})
    kube_sessions.delete_namespaced_custom_object(GROUP, VERSION, project, PLURAL, chat_session)
    seed_session(project, chat_session, phase="Running")

    assert admin_client.get(messages_url(project, chat_session)).json()["messages"] == []


@pytest.mark.parametrize(
    "raw",
    ['{"content": "a\\u0000b"}', '{"content": "hi", "payload": {"k\\u0000": 1}}', '{"content": "\\ud800 lone"}'],
    ids=["nul-in-content", "nul-in-key", "lone-surrogate"],
)
def test_text_the_database_cannot_hold_is_400_naming_its_field(
    project: str, chat_session: str, admin_client: APIClient, raw: str
) -> None:
    response = admin_client.post(messages_url(project, chat_session), raw, content_type="application/json")

    assert response.status_code == 400, response.content
    assert {"content", "payload"} & set(response.json()["details"]["fields"]), response.json()
    assert not ChatMessage.objects.exists()
