"""Chat rows: one thread per session run-of-identity (namespace, name, uid) and its messages."""

from __future__ import annotations

from django.db import models


class ChatThread(models.Model):
    """One session's chat. Its row is also the lock that orders the session's messages across api
    processes, and it remembers the last activity the inactivity auto-stop measures from."""

    namespace = models.CharField(max_length=63)
    session = models.CharField(max_length=63)
    # metadata.uid of the AgenticSession: a session deleted and re-created with the same name is a new thread.
    session_uid = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["namespace", "session", "session_uid"], name="chat_thread_unique_session")
        ]

    def __str__(self) -> str:
        return f"{self.namespace}/{self.session}"


class ChatMessage(models.Model):
    """One message, in either direction; `id` orders a session's messages and is what `after` names."""

    thread = models.ForeignKey(ChatThread, on_delete=models.CASCADE, related_name="messages")
    # Denormalised from the thread so history reads and deletes filter on one indexed table.
    namespace = models.CharField(max_length=63)
    session = models.CharField(max_length=63)
    type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    # Kubernetes username of who sent it (a user, the runner's service account, or the control plane).
    sender = models.CharField(max_length=256, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["thread", "id"], name="chat_message_thread_after")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.namespace}/{self.session}#{self.id} {self.type}"
