"""Leader election on a ``coordination.k8s.io/v1`` Lease, as client-go's leaderelection does it.

Ours, not `kubernetes.leaderelection`: its loop blocks in `time.sleep` with no stop, never releases
the Lease on shutdown, and judges expiry by the wall clock (`time.time`), which can jump.

Only one watcher streams at a time, to spare the API server; correctness never depends on it
(reconciles are idempotent and locked per session), so a brief overlap at hand-over is harmless.
Expiry is judged by when *we* last saw the record change (local monotonic clock), not by comparing
the holder's renewTime with our wall clock, so clock skew between nodes cannot cause a takeover.
Every write carries the read resourceVersion: two standbys racing for an expired lease get one
success and one 409.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ambient.exceptions import AlreadyExists, ApplicationError, Conflict, NotFound
from ambient.kube import LEASE, NAMESPACE, KubeGateway

logger = logging.getLogger(__name__)


def micro_time(moment: datetime | None = None) -> str:
    """metav1.MicroTime: always six fractional digits (isoformat drops them at .000000)."""
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaseElector:
    def __init__(
        self,
        gateway: Callable[[], KubeGateway],
        *,
        namespace: str,
        name: str,
        identity: str,
        lease_duration_seconds: int,
        renew_deadline_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._gateway = gateway
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.lease_duration = lease_duration_seconds
        self.renew_deadline = renew_deadline_seconds
        self._clock = clock
        self._observed: tuple[Any, ...] | None = None
        self._observed_at = 0.0
        self._last_renew: float | None = None

    @property
    def is_leader(self) -> bool:
        """True while our last successful renewal is younger than the renew deadline."""
        return self._last_renew is not None and self._clock() - self._last_renew < self.renew_deadline

    def try_acquire_or_renew(self) -> bool:
        """One round: create, renew or take over the Lease. Returns whether we lead now.

        An API error is not a loss by itself: ``is_leader`` stays true until the renew deadline."""
        gateway = self._gateway()
        lease = gateway.get(LEASE, self.namespace, self.name)
        if lease is None:
            return self._create(gateway)
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity") or ""
        record = (holder, spec.get("renewTime"), lease["metadata"].get("resourceVersion"))
        now = self._clock()
        if record != self._observed:
            self._observed, self._observed_at = record, now
        duration = int(spec.get("leaseDurationSeconds") or self.lease_duration)
        if holder and holder != self.identity and now - self._observed_at < duration:
            self._last_renew = None
            return False
        taking_over = holder != self.identity
        spec = {
            **spec,
            "holderIdentity": self.identity,
            "leaseDurationSeconds": self.lease_duration,
            "renewTime": micro_time(),
        }
        if taking_over:
            spec["acquireTime"] = spec["renewTime"]
            spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + (1 if holder else 0)
        # metadata.resourceVersion in a PUT is the precondition: a concurrent writer makes it 409.
        try:
            gateway.replace(LEASE, self.namespace, self.name, {**lease, "spec": spec})
        except Conflict:
            self._last_renew = None
            return False
        if taking_over:
            logger.info("watcher lease %s/%s acquired by %s", self.namespace, self.name, self.identity)
        self._last_renew = self._clock()
        return True

    def release(self) -> None:
        """Hand over at once: clear the holder so a standby need not wait for expiry."""
        if self._last_renew is None:
            return
        self._last_renew = None
        gateway = self._gateway()
        try:
            lease = gateway.read(LEASE, self.namespace, self.name)
            spec = lease.get("spec") or {}
            if spec.get("holderIdentity") != self.identity:
                return
            body = {**lease, "spec": {**spec, "holderIdentity": "", "leaseDurationSeconds": 1}}
            gateway.replace(LEASE, self.namespace, self.name, body)
            logger.info("watcher lease %s/%s released by %s", self.namespace, self.name, self.identity)
        except ApplicationError as error:
            # Conflict: someone wrote it meanwhile, so it is no longer ours to clear.
            logger.warning("releasing watcher lease %s/%s: %s", self.namespace, self.name, error.message)

    def _create(self, gateway: KubeGateway) -> bool:
        now = micro_time()
        body = {
            "apiVersion": LEASE.api_version,
            "kind": LEASE.kind,
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": {
                "holderIdentity": self.identity,
                "leaseDurationSeconds": self.lease_duration,
                "acquireTime": now,
                "renewTime": now,
                "leaseTransitions": 0,
            },
        }
        for attempt in range(2):
            try:
                gateway.create(LEASE, self.namespace, body)
            except AlreadyExists:  # another watcher created it first
                return False
            except NotFound:
                if attempt:
                    raise
                logger.warning("namespace %s for the watcher lease is missing; creating it", self.namespace)
                with contextlib.suppress(AlreadyExists):
                    gateway.create(
                        NAMESPACE, None, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.namespace}}
                    )
                continue
            logger.info("watcher lease %s/%s created by %s", self.namespace, self.name, self.identity)
            self._last_renew = self._clock()
            return True
        return False
