"""Timestamps in the API's RFC 3339 form (UTC, seconds, ``Z``)."""

from __future__ import annotations

from datetime import UTC, datetime


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def seconds_since(value: str | None) -> float:
    if not value:
        return 0.0
    return (datetime.now(UTC) - parse_rfc3339(value)).total_seconds()
