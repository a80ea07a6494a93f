"""Optimistic-concurrency writes of one AgenticSession: read, decide, write with resourceVersion.

Without a client-supplied resourceVersion a lost race (409) is retried on a fresh read, with backoff
and jitter until a bounded deadline (`ambient.kube.retry_on_conflict`); with one,
the write is made against exactly that version, so a stale client gets 409 instead of overwriting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ambient.exceptions import Conflict
from ambient.kube import KubeGateway, is_write_race, retry_on_conflict
from sessions.api_constants import CODE_STALE
from sessions.resource import resource_version_of

KubeObject = dict[str, Any]
# Given the current object, the change to make: ("replace", full object) or ("patch", merge patch).
Change = tuple[str, KubeObject]


def _stale(expected: str, current: str) -> Conflict:
    return Conflict(
        "The session changed since you read it: fetch it again and re-apply your change.",
        code=CODE_STALE,
        details={"resourceVersion": expected, "currentResourceVersion": current},
    )


def session_write(
    *,
    gateway: KubeGateway,
    namespace: str,
    name: str,
    decide: Callable[[KubeObject], Change],
    resource_version: str | None = None,
) -> KubeObject:
    """Apply `decide(current)` with `current`'s resourceVersion (or the client's); retry lost races."""

    def attempt() -> KubeObject:
        current = gateway.session_get(namespace=namespace, name=name)
        version = resource_version_of(current)
        if resource_version and resource_version != version:
            raise _stale(resource_version, version)
        kind, body = decide(current)
        try:
            if kind == "replace":
                body["metadata"]["resourceVersion"] = version
                return gateway.session_replace(namespace=namespace, name=name, body=body)
            body.setdefault("metadata", {})["resourceVersion"] = version
            return gateway.session_merge_patch(namespace=namespace, name=name, patch=body)
        except Conflict as error:
            if resource_version and is_write_race(error):
                raise _stale(resource_version, "") from error
            raise

    if resource_version:
        return attempt()  # the client chose the version: a race is theirs to resolve
    return retry_on_conflict(attempt)
