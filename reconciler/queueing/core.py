"""Coalescing enqueue, per-key lease, requeue and backoff over one ``QueueStore``.

Only keys travel: the task re-reads the CR, so a queued message can never carry stale state.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from reconciler import metrics
from reconciler.queueing.keys import clamp_countdown, split_key
from reconciler.queueing.lease import SessionLease
from reconciler.queueing.stores import QueueStore

logger = logging.getLogger(__name__)

# (namespace, name, countdown seconds) → sends one reconcile task.
Sender = Callable[[str, str, float], None]


@dataclass(frozen=True)
class QueueSettings:
    prefix: str = "ambient:"
    # How long a claim outlives its task's due time. Past it, a lost message (broker flushed)
    # stops suppressing new sends; a long broker backlog only causes a harmless duplicate.
    coalesce_ttl_seconds: float = 300.0
    # A queued task due at most this much later than asked for still counts as "already queued".
    coalesce_tolerance_seconds: float = 1.0
    lease_ttl_seconds: float = 30.0
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 300.0
    # A key that stops failing for this long starts over at the base delay even without a success.
    backoff_memory_seconds: float = 3600.0
    max_countdown_seconds: float = 1800.0
    # A task redelivered more often than this (its worker died each time, e.g. OOM) is not run
    # again at once: it waits out the longest backoff, so a poison key cannot crash-loop workers.
    redelivery_cap: int = 5

    @property
    def lease_renew_interval(self) -> float:
        return self.lease_ttl_seconds / 3


@dataclass(frozen=True)
class TaskStart:
    # False: an earlier-due task for the key is queued and has not started; it does the work.
    run: bool
    # Due time (epoch seconds) of the claim this task took as its own: for a plain enqueue, when
    # it was sent, so now − queued_at is the time it waited in the broker.
    queued_at: float | None


class ReconcileQueue:
    def __init__(
        self,
        store: QueueStore,
        sender: Sender,
        settings: QueueSettings | None = None,
        *,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
        first_sight_sender: Sender | None = None,
    ) -> None:
        self.store = store
        self.sender = sender
        # Sends to the first-sight lane (a queue workers take before the default one); without
        # it every task goes through ``sender``.
        self.first_sight_sender = first_sight_sender
        self.settings = settings or QueueSettings()
        self._jitter = jitter
        self._clock = clock

    def _name(self, kind: str, key: str) -> str:
        split_key(key)  # refuse anything that is not namespace/name before it reaches the store
        return f"{self.settings.prefix}{kind}:{key}"

    # -- coalescing: many events, one task ----------------------------------------------------------
    def enqueue(self, key: str, countdown: float = 0.0, *, first_sight: bool = False) -> bool:
        """Send one reconcile for ``key`` unless one due no later is already queued; True if sent.

        ``first_sight``: the key is a session with no status yet, and its task goes on the
        first-sight lane. The claim is the same whichever lane the task takes, so coalescing,
        supersession and the dirty rerun do not depend on the lane.
        """
        countdown = clamp_countdown(countdown, self.settings.max_countdown_seconds)
        due = self._clock() + countdown
        name = self._name("q", key)
        if not self.store.claim(
            name, due, countdown + self.settings.coalesce_ttl_seconds, self.settings.coalesce_tolerance_seconds
        ):
            metrics.ENQUEUES.labels(result="coalesced").inc()
            return False
        namespace, session = split_key(key)
        sender = self.first_sight_sender if first_sight and self.first_sight_sender is not None else self.sender
        try:
            sender(namespace, session, countdown)
        except BaseException:
            # Nothing was sent: drop the claim so the next event (or the caller's retry) sends.
            self.store.clear(name)
            raise
        metrics.ENQUEUES.labels(result="sent").inc()
        return True

    def start(self, key: str, eta: float | None = None) -> TaskStart:
        """First thing a task does (``eta``: the epoch time it was due; None if sent for now).

        It clears the key's claim when the claim is its own, so a change seen from here on queues
        exactly one more run. A claim due later (another task queued meanwhile for later, e.g. a
        requeue) is left alone: that task serves as this one's requeue, so two chains of requeues
        for one key merge instead of both living on. A claim due earlier than this task means an
        earlier-due task was queued after it and has not started yet: this one is superseded and
        does nothing (that task re-reads everything anyway).
        """
        tolerance = self.settings.coalesce_tolerance_seconds
        own_due = eta if eta is not None else self._clock()
        earliest = own_due - tolerance if eta is not None else 0.0
        due, taken = self.store.take_claim(self._name("q", key), earliest, own_due + tolerance)
        if due is not None and not taken and due < earliest:
            metrics.ENQUEUES.labels(result="superseded").inc()
            return TaskStart(run=False, queued_at=None)
        return TaskStart(run=True, queued_at=due if taken else None)

    # -- outcomes: rerun a key changed during its pass; back off one that failed ----------------------
    def requeue(self, key: str, countdown: float, reason: str = "requested") -> bool:
        """Run ``key`` again after ``countdown`` (clamped to the maximum); coalesced like an enqueue."""
        metrics.REQUEUES.labels(reason=reason).inc()
        return self.enqueue(key, countdown)

    def requeue_lease_busy(self, key: str) -> bool:
        """The lease was busy, and ``lease()`` already marked the key dirty, so its holder runs it
        again right after its pass. This later run is only a safety net for a holder that died
        mid-pass: by then its lease has expired. Jittered so waiters do not arrive in lockstep."""
        ttl = self.settings.lease_ttl_seconds
        return self.requeue(key, ttl * (1.0 + 0.5 * self._jitter()), reason="lease_busy")

    def backoff_ceiling(self, failures: int) -> float:
        """1 s·2ⁿ⁻¹ for the n-th consecutive failure, capped."""
        exponent = min(max(failures - 1, 0), 63)
        return min(self.settings.backoff_cap_seconds, self.settings.backoff_base_seconds * 2.0**exponent)

    def backoff_next(self, key: str) -> float:
        """Record one more failure and return the countdown: full jitter over [0, ceiling]."""
        failures = self.store.increment(self._name("b", key), self.settings.backoff_memory_seconds)
        return self._jitter() * self.backoff_ceiling(failures)

    def backoff_failures(self, key: str) -> int:
        return self.store.read_counter(self._name("b", key))

    def backoff_reset(self, key: str) -> None:
        self.store.clear(self._name("b", key))

    # -- redelivery cap: a task that keeps killing workers waits ------------------------------------
    def redelivery_capped(self, key: str, *, redelivered: bool) -> bool:
        """Count a redelivery of this key's task; True once the cap is passed (do not run it now)."""
        if not redelivered:
            return False
        return (
            self.store.increment(self._name("r", key), self.settings.backoff_memory_seconds)
            > self.settings.redelivery_cap
        )

    def redelivery_reset(self, key: str) -> None:
        self.store.clear(self._name("r", key))

    # -- one reconcile per key at a time: passes never race -----------------------------------------
    @contextmanager
    def lease(self, key: str) -> Iterator[SessionLease]:
        """Hold ``key`` for one pass. A contender that finds it busy marks it dirty; on release a
        dirty key is enqueued at once (countdown 0), so an event that arrived during the pass runs
        right after it, once however many arrived — never after a fixed busy countdown."""
        handle = self.store.lease(
            self._name("lease", key),
            secrets.token_hex(16),
            self.settings.lease_ttl_seconds,
            self._name("dirty", key),
            self.settings.coalesce_ttl_seconds,
        )
        held = SessionLease(handle, key, self.settings.lease_renew_interval)
        held.acquire()
        try:
            yield held
        finally:
            if held.acquired:
                released = held.release()
                if not released.owned:
                    logger.warning(
                        "reconcile lease for %s had expired before release; left the new holder's alone", key
                    )
                if released.dirty:
                    self.requeue(key, 0.0, reason="dirty")
