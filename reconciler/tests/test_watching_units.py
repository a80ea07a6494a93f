"""The watcher's pure parts: which session changes a pass must see, and the reconnect backoff."""

from __future__ import annotations

from typing import Any

import pytest

from ambient.contract import API_VERSION, KIND
from reconciler.watching.backoff import ReconnectBackoff
from reconciler.watching.predicates import desired_state_fingerprint


def stored_session() -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": "s1",
            "namespace": "ns",
            "generation": 1,
            "resourceVersion": "10",
            "managedFields": [{"manager": "api"}],
            "labels": {"team": "a"},
            "annotations": {"note": "x"},
        },
        "spec": {"initialPrompt": "hi"},
        "status": {"phase": "Pending"},
    }


def test_fingerprint_ignores_status_and_server_managed_metadata() -> None:
    before = stored_session()
    after = stored_session()
    after["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    after["metadata"]["resourceVersion"] = "11"
    after["metadata"]["managedFields"] = [{"manager": "reconciler", "subresource": "status"}]
    assert desired_state_fingerprint(after) == desired_state_fingerprint(before)


@pytest.mark.parametrize(
    ("where", "field", "value"),
    [
        ("spec", "initialPrompt", "changed"),
        ("metadata", "generation", 2),
        ("metadata", "annotations", {"note": "x", "ambient-code.io/desired-phase": "Stopped"}),
        ("metadata", "labels", {"team": "b"}),
        ("metadata", "deletionTimestamp", "2026-01-01T00:00:00Z"),
        ("metadata", "finalizers", ["ambient-code.io/cleanup"]),
    ],
)
def test_fingerprint_changes_with_everything_a_pass_acts_on(where: str, field: str, value: object) -> None:
    changed = stored_session()
    changed[where][field] = value
    assert desired_state_fingerprint(changed) != desired_state_fingerprint(stored_session())


def test_reconnect_backoff_doubles_caps_and_resets_after_a_healthy_stream() -> None:
    now = [0.0]
    backoff = ReconnectBackoff(initial=0.8, maximum=30, reset_after=120, jitter=lambda: 1.0, clock=lambda: now[0])
    assert [backoff.next_delay() for _ in range(7)] == [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30]
    backoff.connected()
    now[0] += 60
    assert backoff.next_delay() == 30  # a one-minute stream is not yet healthy enough
    backoff.connected()
    now[0] += 120
    assert backoff.next_delay() == 0.8
    low = ReconnectBackoff(initial=0.8, jitter=lambda: 0.0)
    assert low.next_delay() == pytest.approx(0.6)  # jitter only ever shortens the wait


def test_reconnect_backoff_counts_healthy_time_across_streams_the_server_ended() -> None:
    """Two healthy minutes reset the backoff even when they span several watch streams (each ended
    by the server's timeoutSeconds, which is no failure)."""
    now = [0.0]
    backoff = ReconnectBackoff(initial=0.8, maximum=30, reset_after=120, jitter=lambda: 1.0, clock=lambda: now[0])
    for _ in range(7):
        backoff.next_delay()
    backoff.connected()
    now[0] += 100  # the server ends this stream; the watch resumes at once
    backoff.connected()
    now[0] += 30  # the next stream then breaks
    assert backoff.next_delay() == 0.8
    backoff.connected()
    now[0] += 1
    assert backoff.next_delay() == 1.6  # a failure restarts the healthy count
