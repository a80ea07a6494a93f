"""A held per-key lease, renewed in the background while the reconcile runs."""

from __future__ import annotations

import logging
import threading

from reconciler.queueing.stores import LeaseHandle, LeaseRelease

logger = logging.getLogger(__name__)


class SessionLease:
    """Truthy when acquired, so the task reads ``with session_lease(key) as acquired: if not acquired: …``.

    ``lost`` is set when a renewal finds the lease gone (expired and maybe retaken, e.g. after a
    long GC pause): the task should stop writing and requeue. Reconciles being idempotent, a lost
    lease costs duplicate work, never a wrong result.
    """

    def __init__(self, handle: LeaseHandle, key: str, renew_interval: float) -> None:
        self.key = key
        self._handle = handle
        self._renew_interval = renew_interval
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._renewer: threading.Thread | None = None
        self.acquired = False

    def __bool__(self) -> bool:
        return self.acquired

    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    @property
    def token(self) -> str:
        return self._handle.token

    def acquire(self) -> bool:
        self.acquired = self._handle.acquire()
        if self.acquired:
            self._renewer = threading.Thread(target=self._renew_loop, name=f"lease-renew:{self.key}", daemon=True)
            self._renewer.start()
        return self.acquired

    def renew(self) -> bool:
        renewed = self._handle.renew()
        if not renewed:
            self._lost.set()
        return renewed

    def release(self) -> LeaseRelease:
        """Stop renewing, then compare-and-delete and take the dirty mark (``owned`` is False if the
        lease had already been lost)."""
        if not self.acquired:
            return LeaseRelease(owned=False, dirty=False)
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=self._renew_interval + 5)
        self.acquired = False
        return self._handle.release()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self._renew_interval):
            try:
                if not self.renew():
                    logger.warning("reconcile lease for %s was lost before the run finished", self.key)
                    return
            except Exception:  # a Redis blip: keep trying until the lease really expires
                logger.exception("renewing the reconcile lease for %s failed", self.key)
