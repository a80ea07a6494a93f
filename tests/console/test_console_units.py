"""The console's pure parts: durations, transcript text, which Events join the timeline."""

from __future__ import annotations

from sessions.admin.timeline import _is_transition_summary, duration_text
from sessions.admin.transcript import message_text


def test_durations_read_naturally():
    assert duration_text(0.051) == "51 ms"
    assert duration_text(9.74) == "9.7 s"
    assert duration_text(125) == "2 min 5 s"
    assert duration_text(3 * 3600 + 120) == "3 h 2 min"
    assert duration_text(-1) == "0 ms"


def test_transcript_text_comes_from_each_message_shape():
    assert message_text({"content": "hello"}) == "hello"
    assert message_text({"type": "agent_message", "content": {"type": "text_block", "text": "echo: hi"}}) == "echo: hi"
    assert message_text({"message": "session started"}) == "session started"
    assert message_text({"tool": "Read", "input": {"path": "a"}}) == '[tool Read] {"path": "a"}'
    assert message_text("plain") == "plain"
    assert message_text({}) == ""


def test_only_the_reconcilers_transition_summaries_are_left_out():
    summary = {"source": {"component": "ambient-reconciler"}, "message": "Ready False → True: Session is running"}
    warning = {"source": {"component": "ambient-reconciler"}, "reason": "ReconcileWarning", "message": "slow"}
    console = {"source": {"component": "ambient-admin-console"}, "message": "Stop requested by a (admin console)"}
    assert _is_transition_summary(summary)
    assert not _is_transition_summary(warning)
    assert not _is_transition_summary(console)
