"""Which sessions the inactivity sweep stops: a table over phase, intent, timeout and activity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ambient.contract import ANNOTATION_DESIRED_PHASE
from sessions.chat.inactivity import inactivity_due, inactivity_timeout_of, quiet_since

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
DEFAULT = 600


def stamp(seconds_ago: float) -> str:
    return (NOW - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def session(
    *, phase: str = "Running", started: float | None = 100, timeout: Any = 30, intent: str | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {} if timeout is None else {"inactivityTimeout": timeout}
    status: dict[str, Any] = {"phase": phase}
    if started is not None:
        status["startTime"] = stamp(started)
    annotations = {ANNOTATION_DESIRED_PHASE: intent} if intent else {}
    return {
        "metadata": {"name": "s", "namespace": "p", "creationTimestamp": stamp(10_000), "annotations": annotations},
        "spec": spec,
        "status": status,
    }


@pytest.mark.parametrize(
    ("body", "last_chat_ago", "due"),
    [
        (session(), None, True),  # quiet since the start for longer than the timeout
        (session(), 10, False),  # a recent message in either direction
        (session(), 31, True),
        (session(started=5), None, False),  # a (re)start is activity
        (session(timeout=0), None, False),  # 0 disables
        (session(timeout=None), None, False),  # the default (600 s) has not passed
        (session(timeout=None, started=700), None, True),
        (session(timeout="30"), None, False),  # not an integer: the default applies
        (session(timeout=True), None, False),
        (session(phase="Creating"), None, False),
        (session(phase="Stopped"), None, False),
        (session(intent="Stopped"), None, False),  # a stop is already asked for
        (session(started=None), None, True),  # falls back to creationTimestamp
    ],
)
def test_inactivity_due(body: dict[str, Any], last_chat_ago: float | None, due: bool) -> None:
    last_chat = None if last_chat_ago is None else NOW - timedelta(seconds=last_chat_ago)
    assert inactivity_due(body, last_chat, now=NOW, default=DEFAULT) is due


def test_the_timeout_falls_back_to_the_default() -> None:
    assert inactivity_timeout_of({}, 42) == 42
    assert inactivity_timeout_of({"inactivityTimeout": -1}, 42) == 42
    assert inactivity_timeout_of({"inactivityTimeout": 0}, 42) == 0


def test_quiet_since_takes_the_latest_activity() -> None:
    body = session(started=100)
    assert quiet_since(body, NOW - timedelta(seconds=5)) == NOW - timedelta(seconds=5)
    assert quiet_since(body, NOW - timedelta(seconds=500)) == NOW - timedelta(seconds=100)
