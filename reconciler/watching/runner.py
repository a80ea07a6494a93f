"""The watcher process: hold the Lease, and while leading run one list+watch thread per resource
and namespace; on leadership loss or shutdown stop the streams (and release the Lease on shutdown).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ambient.kube import KubeGateway
from reconciler import metrics
from reconciler.watching.config import WatcherConfig
from reconciler.watching.election import LeaseElector
from reconciler.watching.informer import Enqueue, ResourceWatch
from reconciler.watching.liveness import Liveness
from reconciler.watching.resources import WATCHED_RESOURCES, WatchedResource

logger = logging.getLogger(__name__)

STREAM_JOIN_TIMEOUT = 10.0


class SessionWatcher:
    def __init__(
        self,
        config: WatcherConfig,
        gateway: Callable[[], KubeGateway],
        enqueue: Enqueue,
        *,
        enqueue_first_sight: Enqueue | None = None,
        liveness: Liveness | None = None,
        resources: tuple[WatchedResource, ...] = WATCHED_RESOURCES,
    ) -> None:
        self.config = config
        self.liveness = liveness or Liveness()
        self._enqueue = enqueue
        self._enqueue_first_sight = enqueue_first_sight
        self._resources = resources
        self._gateway = gateway
        self.elector = LeaseElector(
            gateway,
            namespace=config.lease_namespace,
            name=config.lease_name,
            identity=config.identity,
            lease_duration_seconds=config.lease_duration_seconds,
            renew_deadline_seconds=config.lease_renew_deadline,
        )
        self._shutdown = threading.Event()
        self._streams_stop = threading.Event()
        self.watches: list[ResourceWatch] = []
        self._threads: list[threading.Thread] = []
        self.leading = threading.Event()

    def run(self) -> None:
        """Block until ``stop()``; leadership is re-checked every renew interval."""
        try:
            while not self._shutdown.is_set():
                self._election_round()
                self._shutdown.wait(self.config.lease_renew_interval)
        finally:
            self._stop_streams()
            try:
                self.elector.release()
            except Exception:  # shutting down anyway; the lease expires by itself
                logger.exception("could not release the watcher lease")
            metrics.WATCHER_LEADER.set(0)
            logger.info("watcher %s stopped", self.config.identity)

    def stop(self) -> None:
        """Safe from a signal handler or another thread: ends ``run`` promptly."""
        self._shutdown.set()
        self._streams_stop.set()
        for watch in list(self.watches):
            watch.abort()

    def _election_round(self) -> None:
        try:
            self.elector.try_acquire_or_renew()
        except Exception:  # the API is unreachable: is_leader decays by the renew deadline
            logger.exception("watcher lease round failed")
        if self.elector.is_leader:
            if not self.leading.is_set():
                self._start_streams()
            return
        if self.leading.is_set():
            logger.warning("watcher %s lost the lease; stopping its watches", self.config.identity)
            self._stop_streams()
        self.liveness.touch()  # standby is healthy as long as it keeps checking the Lease

    def _start_streams(self) -> None:
        logger.info("watcher %s is leading; starting watches", self.config.identity)
        self._streams_stop = threading.Event()
        namespaces: tuple[str | None, ...] = self.config.namespaces or (None,)
        self.watches = [
            ResourceWatch(
                resource,
                namespace,
                self._gateway,
                self._enqueue,
                self.config,
                self.liveness,
                self._streams_stop,
                enqueue_first_sight=self._enqueue_first_sight,
            )
            for resource in self._resources
            for namespace in namespaces
        ]
        self._threads = [
            threading.Thread(target=watch.run, name=f"watch:{watch.label}", daemon=True) for watch in self.watches
        ]
        for thread in self._threads:
            thread.start()
        self.leading.set()
        metrics.WATCHER_LEADER.set(1)

    def _stop_streams(self) -> None:
        self._streams_stop.set()
        for watch in self.watches:
            watch.abort()
        for thread in self._threads:
            thread.join(timeout=STREAM_JOIN_TIMEOUT)
            if thread.is_alive():
                logger.warning("watch thread %s did not stop in time", thread.name)
        self.watches, self._threads = [], []
        self.leading.clear()
        metrics.WATCHER_LEADER.set(0)
