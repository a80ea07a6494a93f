"""Leader election on a ``coordination.k8s.io/v1`` Lease, as client-go's leaderelection does it.

Only one watcher streams at a time, to spare the API server; correctness never depends on it
(reconciles are idempotent and locked per session), so a brief overlap at hand-over is harmless.
Expiry is judged by when *we* last saw the record change (local monotonic clock), not by comparing
the holder's renewTime with our wall clock, so clock skew between nodes cannot cause a takeover.
Every write carries the read resourceVersion: two standbys racing for an expired lease get one
success and one 409.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kubernetes.client import ApiClient, ApiException, CustomObjectsApi

logger = logging.getLogger(__name__)

LEASE_GROUP = "coordination.k8s.io"
LEASE_VERSION = "v1"
LEASE_PLURAL = "leases"


def micro_time(moment: datetime | None = None) -> str:
    """metav1.MicroTime: always six fractional digits (isoformat drops them at .000000)."""
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaseElector:
    def __init__(
        self,
        client_factory: Callable[[], ApiClient],
        *,
        namespace: str,
        name: str,
        identity: str,
        lease_duration_seconds: int,
        renew_deadline_seconds: float,
        request_timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_factory = client_factory
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.lease_duration = lease_duration_seconds
        self.renew_deadline = renew_deadline_seconds
        self._timeout = request_timeout
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
        with self._client_factory() as api_client:
            api = CustomObjectsApi(api_client)
            try:
                lease = self._call(api.get_namespaced_custom_object, name=self.name)
            except ApiException as error:
                if error.status != 404:
                    raise
                return self._create(api_client, api)
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
            body = {**lease, "spec": spec}
            try:
                self._call(api.replace_namespaced_custom_object, name=self.name, body=body)
            except ApiException as error:
                if error.status == 409:
                    self._last_renew = None
                    return False
                raise
            if taking_over:
                logger.info("watcher lease %s/%s acquired by %s", self.namespace, self.name, self.identity)
            self._last_renew = self._clock()
            return True

    def release(self) -> None:
        """Hand over at once: clear the holder so a standby need not wait for expiry."""
        if self._last_renew is None:
            return
        self._last_renew = None
        with self._client_factory() as api_client:
            api = CustomObjectsApi(api_client)
            try:
                lease = self._call(api.get_namespaced_custom_object, name=self.name)
                spec = lease.get("spec") or {}
                if spec.get("holderIdentity") != self.identity:
                    return
                body = {**lease, "spec": {**spec, "holderIdentity": "", "leaseDurationSeconds": 1}}
                self._call(api.replace_namespaced_custom_object, name=self.name, body=body)
                logger.info("watcher lease %s/%s released by %s", self.namespace, self.name, self.identity)
            except ApiException as error:
                # 409: someone wrote it meanwhile, so it is no longer ours to clear.
                logger.warning("releasing watcher lease %s/%s: %s", self.namespace, self.name, error.status)

    def _create(self, api_client: ApiClient, api: CustomObjectsApi) -> bool:
        now = micro_time()
        body = {
            "apiVersion": f"{LEASE_GROUP}/{LEASE_VERSION}",
            "kind": "Lease",
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
                api.create_namespaced_custom_object(
                    LEASE_GROUP, LEASE_VERSION, self.namespace, LEASE_PLURAL, body, _request_timeout=self._timeout
                )
            except ApiException as error:
                if error.status == 409:  # another watcher created it first
                    return False
                if error.status == 404 and attempt == 0:
                    self._create_namespace(api_client)
                    continue
                raise
            logger.info("watcher lease %s/%s created by %s", self.namespace, self.name, self.identity)
            self._last_renew = self._clock()
            return True
        return False

    def _create_namespace(self, api_client: ApiClient) -> None:
        logger.warning("namespace %s for the watcher lease is missing; creating it", self.namespace)
        # Imported only here: the core API's models cost the watcher ~20 MB of resident memory.
        from kubernetes.client import CoreV1Api, V1Namespace, V1ObjectMeta  # noqa: PLC0415

        try:
            CoreV1Api(api_client).create_namespace(
                V1Namespace(metadata=V1ObjectMeta(name=self.namespace)), _request_timeout=self._timeout
            )
        except ApiException as error:
            if error.status != 409:
                raise

    def _call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        return method(
            LEASE_GROUP, LEASE_VERSION, self.namespace, LEASE_PLURAL, _request_timeout=self._timeout, **kwargs
        )
