"""`…/agentic-sessions/{session}/messages` (and the original `…/sessions/{session}/messages`): the chat
history and sending a message (action 35). The live stream is the WebSocket at `…/ws` (action 36).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from ambient.exceptions import InvalidInput, PayloadTooLarge
from sessions.auth import caller_of
from sessions.chat.access import chat_target_of
from sessions.chat.protocol import (
    HISTORY_LIMIT_DEFAULT,
    HISTORY_LIMIT_MAX,
    TYPE_PATTERN,
    TYPE_USER_MESSAGE,
    FrameError,
    inbound_from_object,
)
from sessions.chat.selectors import chat_messages_after
from sessions.chat.services import ChatTarget, chat_message_post
from sessions.permissions import ProjectAccess
from sessions.serializers.strict import JSONBodySerializer, QuerySerializer
from sessions.views.common import AUTHENTICATION_CLASSES, PARSER_CLASSES, error_responses


class HistoryQuerySerializer(QuerySerializer):
    after = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=HISTORY_LIMIT_MAX, default=HISTORY_LIMIT_DEFAULT)


class MessageEnvelopeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sessionId = serializers.CharField()  # noqa: N815 - the wire name
    type = serializers.CharField()
    timestamp = serializers.CharField()
    sender = serializers.CharField()
    payload = serializers.DictField()


# `many=False`: the list action answers one page object, not an array.
@extend_schema_serializer(many=False)
class HistorySerializer(serializers.Serializer):
    sessionId = serializers.CharField()  # noqa: N815 - the wire name
    messages = MessageEnvelopeSerializer(many=True)
    hasMore = serializers.BooleanField()  # noqa: N815 - the wire name
    lastId = serializers.IntegerField()  # noqa: N815 - the wire name


class MessagePostSerializer(JSONBodySerializer):
    """`{content}` for a chat message, or `{type, payload?, ...}` for any other type."""

    type = serializers.RegexField(
        rf"^{TYPE_PATTERN.pattern}$",
        required=False,
        error_messages={"invalid": 'Use 1-64 characters of letters, digits, "_", "." or "-".'},
    )
    # Needed, as text, by a user_message (the default type) unless `payload` carries it: the runner
    # answers nothing else. inbound_from_object checks that; the pattern asks for one non-space.
    content = serializers.RegexField(
        r"\S", required=False, error_messages={"invalid": "Write the text for the agent, not only spaces."}
    )
    payload = serializers.DictField(required=False)


class MessageQueuedSerializer(serializers.Serializer):
    status = serializers.CharField()
    id = serializers.IntegerField()


def _target(request: Request, project: str, session: str) -> ChatTarget:
    current = caller_of(request).gateway().session_get(namespace=project, name=session)
    return chat_target_of(current)


@extend_schema_view(
    list=extend_schema(
        summary="A session's chat history",
        parameters=[HistoryQuerySerializer],
        responses={200: HistorySerializer, **error_responses(400, 401, 403, 404)},
    ),
    create=extend_schema(
        summary="Send a chat message to a session",
        request=MessagePostSerializer,
        responses={202: MessageQueuedSerializer, **error_responses(400, 401, 403, 404, 413)},
    ),
)
class SessionMessagesViewSet(viewsets.ViewSet):
    """Chat messages of one session, between you, other users and the session's runner."""

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [ProjectAccess]
    parser_classes = PARSER_CLASSES
    # Reading the chat needs `get` on the session, sending `update` (SelfSubjectAccessReview).
    session_verbs = {"list": "get", "create": "update"}

    def get_serializer(self, *args: Any, **kwargs: Any) -> serializers.Serializer:
        # Only for the browsable API's form.
        return MessagePostSerializer(*args, **kwargs)

    def list(self, request: Request, project: str, session: str) -> Response:
        """Messages with an id above `after` (0: from the start), oldest first, at most `limit` (≤ 1000).
        Page on with `after=lastId` while `hasMore`.
        """
        query = HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        after, limit = query.validated_data["after"], query.validated_data["limit"]
        messages, has_more = chat_messages_after(target=_target(request, project, session), after=after, limit=limit)
        last_id = messages[-1]["id"] if messages else after
        return Response({"sessionId": session, "messages": messages, "hasMore": has_more, "lastId": last_id})

    def create(self, request: Request, project: str, session: str) -> Response:
        """Store a message and send it to everyone connected to the session's WebSocket (the runner
        included). `{"content": "..."}` is a `user_message` (its text is required); `{"type": "interrupt"}`,
        `{"type": "end_session"}` and other types carry the rest of the body (or `payload`) as payload.
        """
        limit = settings.CHAT_MAX_MESSAGE_BYTES
        if len(request.body) > limit:
            raise PayloadTooLarge(f"The message is larger than {limit} bytes; send less.", details={"limit": limit})
        MessagePostSerializer(data=request.data).is_valid(raise_exception=True)
        try:
            inbound = inbound_from_object(request.data, default_type=TYPE_USER_MESSAGE)
        except FrameError as error:
            raise InvalidInput(error.message, details={"fields": {error.field: [error.message]}}) from None
        target = _target(request, project, session)
        sent = chat_message_post(target=target, inbound=inbound, sender=caller_of(request).identity().username)
        return Response({"status": "queued", "id": sent["id"]}, status=status.HTTP_202_ACCEPTED)
