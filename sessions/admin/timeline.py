"""A session's condition timeline: the condition-history table merged with the session's Events.

The reconciler writes one history row per flip of a condition and one Event per status write
summing those flips up; the rows say more, so reconciler summary Events are left out when the
session has rows. Every other Event (reconciler warnings, actions taken in this console, Events
posted by other tools) joins the rows in time order. Entries carry the time since the previous
entry and since the first, and a tone the template colours.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ambient.contract import ConditionStatus, ConditionType
from ambient.exceptions import ApplicationError
from ambient.kube import EVENT, KubeGateway
from reconciler.models import ConditionTransition
from reconciler.services.history import COMPONENT as RECONCILER_COMPONENT
from reconciler.services.history import WARNING_REASONS
from reconciler.timestamps import parse_time

KubeObject = dict[str, Any]
# Enough for any real session's story; a page stays fast even for one that flapped for days.
TIMELINE_LIMIT = 500

# Tones the template maps to colours.
TONE_GOOD, TONE_BAD, TONE_WARN, TONE_NEUTRAL, TONE_EVENT = "good", "bad", "warn", "neutral", "event"


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    source: str  # "condition" or "event"
    title: str  # "Ready: False → True" or the Event's reason
    reason: str
    message: str
    tone: str
    observed_generation: int | None = None
    since_previous: str = ""
    since_start: str = ""


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]
    events_note: str = ""  # why Events are missing, when they are


def duration_text(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _condition_tone(row: ConditionTransition) -> str:
    if row.condition_type == ConditionType.FAILED:
        return TONE_BAD if row.status == ConditionStatus.TRUE else TONE_NEUTRAL
    if row.status == ConditionStatus.TRUE:
        return TONE_GOOD
    if row.status == ConditionStatus.FALSE:
        return TONE_BAD if row.reason in WARNING_REASONS else TONE_WARN
    return TONE_NEUTRAL


def _row_entry(row: ConditionTransition) -> TimelineEntry:
    before = row.previous_status or "unset"
    after = row.status or "removed"
    return TimelineEntry(
        at=row.transitioned_at,
        source="condition",
        title=f"{row.condition_type}: {before} → {after}",
        reason=row.reason,
        message=row.message,
        tone=_condition_tone(row),
        observed_generation=row.observed_generation,
    )


def _event_time(event: KubeObject) -> datetime | None:
    candidates = (event.get("lastTimestamp"), event.get("eventTime"), event.get("firstTimestamp"))
    for value in (*candidates, (event.get("metadata") or {}).get("creationTimestamp")):
        moment = parse_time(str(value)) if value else None
        if moment is not None:
            return moment
    return None


def _is_transition_summary(event: KubeObject) -> bool:
    source = (event.get("source") or {}).get("component") or event.get("reportingComponent")
    return source == RECONCILER_COMPONENT and "→" in str(event.get("message") or "")


def _event_entry(event: KubeObject, at: datetime) -> TimelineEntry:
    warning = event.get("type") == "Warning"
    count = int(event.get("count") or 1)
    message = str(event.get("message") or "")
    return TimelineEntry(
        at=at,
        source="event",
        title=str(event.get("reason") or "Event"),
        reason=str(event.get("reason") or ""),
        message=f"{message} (×{count})" if count > 1 else message,
        tone=TONE_WARN if warning else TONE_EVENT,
    )


def session_events(*, gateway: KubeGateway, namespace: str, name: str, uid: str) -> list[KubeObject]:
    """The Events whose involved object is this session (this run of the name, when the uid is known)."""
    selector = f"involvedObject.name={name}"
    listed = gateway.request("GET", EVENT.path(namespace), query={"fieldSelector": selector})
    events = list(listed.get("items") or [])
    return [event for event in events if not uid or (event.get("involvedObject") or {}).get("uid") in ("", None, uid)]


def session_timeline(*, gateway: KubeGateway, session: KubeObject) -> Timeline:
    """The merged, chronological timeline of one session (as the caller may see it)."""
    metadata = session.get("metadata") or {}
    namespace, name = str(metadata.get("namespace") or ""), str(metadata.get("name") or "")
    uid = str(metadata.get("uid") or "")
    rows = ConditionTransition.objects.filter(namespace=namespace, session_name=name)
    if uid:
        rows = rows.filter(session_uid__in=(uid, ""))
    entries = [_row_entry(row) for row in rows.order_by("transitioned_at", "id")[:TIMELINE_LIMIT]]
    note = ""
    try:
        events = session_events(gateway=gateway, namespace=namespace, name=name, uid=uid)
    except ApplicationError as error:
        events, note = [], f"Events not shown: {error.message}"
    for event in events:
        if entries and _is_transition_summary(event):
            continue
        at = _event_time(event)
        if at is not None:
            entries.append(_event_entry(event, at))
    entries.sort(key=lambda entry: entry.at)
    return Timeline(entries=_with_durations(entries[-TIMELINE_LIMIT:]), events_note=note)


def _with_durations(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    if not entries:
        return []
    start = entries[0].at
    timed: list[TimelineEntry] = []
    for index, entry in enumerate(entries):
        since_previous = (entry.at - entries[index - 1].at).total_seconds() if index else None
        timed.append(
            replace(
                entry,
                since_previous=duration_text(since_previous) if since_previous is not None else "",
                since_start=duration_text((entry.at - start).total_seconds()),
            )
        )
    return timed
