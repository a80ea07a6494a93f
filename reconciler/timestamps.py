"""Kubernetes wire format for times: RFC 3339, UTC, whole seconds (what the API server stores)."""

from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_FORMAT)


def parse_time(value: str | None) -> datetime | None:
    """Parse a Kubernetes timestamp; None for missing or malformed values (never raise on input)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def seconds_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds()
