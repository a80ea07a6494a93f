"""Django looks for an app's models here; the session API's only tables are the chat's."""

from sessions.chat.models import ChatMessage, ChatThread

__all__ = ["ChatMessage", "ChatThread"]
