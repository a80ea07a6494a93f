"""What a full read of a session's secondary children found, kept briefly per worker process.

A converged Running session is looked at after every event on it, its Job or its pod (and on
every resync), yet its PVC, Service, ServiceAccount, Role, RoleBinding and Secrets only change
when we act on them. The Job and pod are always read fresh — they carry the run's state, and the
event that queued the pass may be newer than anything a cache here has seen. The secondary
children are re-read at most once per ``RECONCILER_CHILDREN_RECHECK_SECONDS`` for a Running
session (and whenever the previous pass acted), so such a pass costs three reads: the session,
its Job, its runner pods. Someone deleting a Service or token Secret by hand is noticed within
that recheck period instead of on the next event.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

# Long enough that the bursts of passes a running session sees (its own status write, pod
# updates) reuse one read; short enough that a child deleted by hand is recreated soon.
DEFAULT_RECHECK_SECONDS = 60.0
# One entry per session a worker process has seen; the oldest go first.
MEMO_CAPACITY = 20000


@dataclass(frozen=True)
class ChildrenSnapshot:
    children: frozenset[tuple[str, str]]
    token_refreshed_at: datetime | None
    missing_secrets: frozenset[str]
    read_at: float


class ChildrenMemo:
    def __init__(self, capacity: int = MEMO_CAPACITY, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[str, ChildrenSnapshot] = OrderedDict()
        self._capacity = capacity
        self._clock = clock
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._clock()

    def fresh(self, uid: str, max_age: float) -> ChildrenSnapshot | None:
        """The snapshot for this session object (by uid, so a re-created name starts over)."""
        with self._lock:
            snapshot = self._entries.get(uid)
            if snapshot is None or self._clock() - snapshot.read_at >= max_age:
                return None
            return snapshot

    def remember(self, uid: str, snapshot: ChildrenSnapshot) -> None:
        with self._lock:
            self._entries[uid] = snapshot
            self._entries.move_to_end(uid)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def forget(self, uid: str) -> None:
        """After any action: what the pass created, deleted or refreshed must be read again."""
        with self._lock:
            self._entries.pop(uid, None)


children_memo = ChildrenMemo()


def recheck_seconds() -> float:
    from django.conf import settings  # noqa: PLC0415 - the memo itself works without Django

    return float(getattr(settings, "RECONCILER_CHILDREN_RECHECK_SECONDS", DEFAULT_RECHECK_SECONDS))
