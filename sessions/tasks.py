"""Celery tasks of the session API: thin wrappers over services (beat runs them on a schedule)."""

from __future__ import annotations

from celery import shared_task

from sessions.chat.inactivity import sessions_stop_inactive


@shared_task(name="sessions.tasks.stop_inactive_sessions", ignore_result=True)
def stop_inactive_sessions() -> int:
    """Stop Running sessions with no chat for their inactivity timeout (spec.inactivityTimeout)."""
    return len(sessions_stop_inactive())
