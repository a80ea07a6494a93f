"""List+watch of one resource in one namespace (or all), turning changes into session keys.

Ours, not `kubernetes.informer.SharedInformer`: it lists without pages, keeps a full object cache,
cannot abort a blocked read on stop, and swallows a failed handler, so its resourceVersion moves past
an event that was never enqueued.

As RECONCILER.md describes watching: watch from the LIST's resourceVersion with bookmarks and a random server
timeout; resume from the last seen RV after a disconnect; relist on 410 and diff the known keys.
The RV advances only after the event's key was enqueued, so an enqueue failure replays the event.
For sessions, an update that changed only status (the reconciler's own write coming back) is not
enqueued; see predicates.py. A session with no status yet is enqueued on the first-sight queue
(``enqueue_first_sight``), which workers take before the default one.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from ambient.kube import Expired, KubeGateway, WatchError, WatchStream
from reconciler import metrics
from reconciler.watching.backoff import ReconnectBackoff
from reconciler.watching.config import WatcherConfig
from reconciler.watching.liveness import Liveness
from reconciler.watching.predicates import desired_state_fingerprint
from reconciler.watching.resources import WatchedResource, object_key, resource_version

logger = logging.getLogger(__name__)

Enqueue = Callable[[str], object]

# A stream that ends cleanly sooner than this is treated as a failure, so a server that closes
# watches at once cannot make us spin.
MIN_HEALTHY_STREAM_SECONDS = 1.0


class ResourceWatch:
    def __init__(
        self,
        resource: WatchedResource,
        namespace: str | None,
        gateway: Callable[[], KubeGateway],
        enqueue: Enqueue,
        config: WatcherConfig,
        liveness: Liveness,
        stop: threading.Event,
        *,
        enqueue_first_sight: Enqueue | None = None,
    ) -> None:
        self.resource = resource
        self.namespace = namespace
        self._gateway = gateway
        self._enqueue = enqueue
        # For a session with no status yet (without it, such keys go through ``enqueue`` too).
        self._enqueue_first_sight = enqueue_first_sight
        self._config = config
        self._liveness = liveness
        self._stop = stop
        self._stream: WatchStream | None = None
        self._stream_lock = threading.Lock()
        # object key → (resourceVersion, session key): what the last list and the events showed.
        self.known: dict[str, tuple[str, str]] = {}
        # object key → fingerprint of all but its status, when status-only updates are skipped.
        self.fingerprints: dict[str, str] = {}
        self.skipped_status_only = 0
        self.resource_version: str | None = None
        self.lists = 0
        self._backoff = ReconnectBackoff(
            initial=config.backoff_initial, maximum=config.backoff_max, reset_after=config.backoff_reset_after
        )

    @property
    def label(self) -> str:
        return f"{self.resource.name} in {self.namespace or 'all namespaces'}"

    def run(self) -> None:
        while not self._stop.is_set():
            just_listed = False
            try:
                if self.resource_version is None:
                    self.resource_version = self.relist()
                    just_listed = True
                started = time.monotonic()
                self._watch_once(self.resource_version)
                if time.monotonic() - started >= MIN_HEALTHY_STREAM_SECONDS or self._stop.is_set():
                    # The server's timeout ended the stream: resume from the last RV, no relist.
                    metrics.WATCH_RESTARTS.labels(resource=self.resource.name).inc()
                    continue
                raise ConnectionError("watch stream ended immediately")
            except Expired as error:
                logger.info("%s: resourceVersion %s expired (%s); relisting", self.label, self.resource_version, error)
                metrics.WATCH_RELISTS.labels(resource=self.resource.name).inc()
                self.resource_version = None
                if just_listed:  # even a fresh list's RV is gone: a struggling server, do not hammer it
                    self._stop.wait(self._backoff.next_delay())
            except Exception as error:  # any API, network or enqueue failure: back off and resume
                if self._stop.is_set():
                    break
                delay = self._backoff.next_delay()
                metrics.WATCH_RESTARTS.labels(resource=self.resource.name).inc()
                logger.warning("%s: %s: %s; retrying in %.1fs", self.label, type(error).__name__, error, delay)
                self._stop.wait(delay)

    def abort(self) -> None:
        """Unblock a pending read; ``run`` then sees the stop flag and returns."""
        with self._stream_lock:
            if self._stream is not None:
                self._stream.abort()

    # -- list -------------------------------------------------------------------------------------
    def relist(self) -> str:
        """List every page, enqueue what changed or vanished (everything, for sessions); return the RV."""
        items: list[dict[str, Any]] = []
        continue_token: str | None = None
        list_rv = ""
        while True:
            page = self._gateway().list_page(
                self.resource.kind,
                self.namespace,
                label_selector=self.resource.label_selector,
                limit=self._config.list_page_size,
                continue_token=continue_token,
                timeout=(self._config.connect_timeout, self._config.read_timeout),
            )
            metadata = page.get("metadata") or {}
            list_rv = list_rv or str(metadata.get("resourceVersion") or "")
            items.extend(page.get("items") or [])
            continue_token = metadata.get("continue") or None
            if not continue_token:
                break
        if not list_rv:
            raise ConnectionError(f"list of {self.label} returned no resourceVersion")
        self._liveness.touch()

        listed: dict[str, tuple[str, str]] = {}
        fingerprints: dict[str, str] = {}
        first_sight: set[str] = set()
        for item in items:
            own, session, rv = object_key(item), self.resource.session_key(item), resource_version(item)
            if own and session and rv:
                listed[own] = (rv, session)
                if self._awaits_first_sight(item):
                    first_sight.add(session)
                if self.resource.skip_status_only_updates:
                    fingerprints[own] = desired_state_fingerprint(item)
        keys: set[str] = set()
        for own, (rv, session) in listed.items():
            if self.resource.enqueue_all_on_relist or self.known.get(own, ("", ""))[0] != rv:
                keys.add(session)
        keys.update(session for own, (_, session) in self.known.items() if own not in listed)
        for key in sorted(keys):
            self._send(key, first_sight=key in first_sight)
        # Only now: if an enqueue failed, the next relist diffs against the old state again.
        self.known = listed
        self.fingerprints = fingerprints
        self.lists += 1
        logger.info(
            "%s: listed %d objects at resourceVersion %s; enqueued %d", self.label, len(listed), list_rv, len(keys)
        )
        return list_rv

    # -- watch ------------------------------------------------------------------------------------
    def _watch_once(self, since: str) -> None:
        timeout = random.randint(self._config.watch_timeout_min, self._config.watch_timeout_max)  # noqa: S311
        stream = self._gateway().watch(
            self.resource.kind,
            self.namespace,
            label_selector=self.resource.label_selector,
            resource_version=since,
            timeout_seconds=timeout,
            timeout=(self._config.connect_timeout, self._config.read_timeout),
        )
        with self._stream_lock:
            self._stream = stream
        if self._stop.is_set():  # stop() ran between the request and registering the stream
            stream.abort()
        self._backoff.connected()
        self._liveness.touch()
        try:
            for event in stream.events():
                if self._stop.is_set():
                    return
                self._handle(event)
        finally:
            with self._stream_lock:
                self._stream = None
            stream.close()

    def _handle(self, event: dict[str, Any]) -> None:
        seen = time.monotonic()
        event_type = str(event.get("type") or "")
        obj = event.get("object") or {}
        metrics.WATCH_EVENTS.labels(resource=self.resource.name, type=event_type or "UNKNOWN").inc()
        self._liveness.touch()
        if event_type == "ERROR":
            if obj.get("code") == 410:
                raise Expired(str(obj.get("message") or "watch ERROR 410"))
            raise WatchError(obj)
        rv = resource_version(obj)
        if event_type in ("ADDED", "MODIFIED", "DELETED"):
            own, session = object_key(obj), self.resource.session_key(obj)
            fingerprint = None
            if own and self.resource.skip_status_only_updates and event_type != "DELETED":
                fingerprint = desired_state_fingerprint(obj)
            # An unknown previous state (no fingerprint yet) never counts as unchanged.
            if (
                event_type == "MODIFIED"
                and own
                and fingerprint is not None
                and self.fingerprints.get(own) == fingerprint
            ):
                self.skipped_status_only += 1
            elif session:
                self._send(session, first_sight=event_type != "DELETED" and self._awaits_first_sight(obj))
                metrics.WATCH_ENQUEUE.observe(time.monotonic() - seen)
            if own and session and rv:
                if event_type == "DELETED":
                    self.known.pop(own, None)
                else:
                    self.known[own] = (rv, session)
            if own and event_type == "DELETED":
                self.fingerprints.pop(own, None)
            elif own and fingerprint is not None:
                self.fingerprints[own] = fingerprint
        # BOOKMARK carries only the RV; every event type moves the resume point.
        if rv:
            self.resource_version = rv

    def _awaits_first_sight(self, obj: dict[str, Any]) -> bool:
        return self.resource.awaits_first_sight is not None and self.resource.awaits_first_sight(obj)

    def _send(self, key: str, *, first_sight: bool) -> None:
        if first_sight and self._enqueue_first_sight is not None:
            self._enqueue_first_sight(key)
        else:
            self._enqueue(key)
