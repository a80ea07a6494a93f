"""batch/v1 Job controller: turns ``plan_job`` decisions into pod creates/deletes, status and Events."""

from __future__ import annotations

import logging
import time
from collections.abc import Hashable
from datetime import UTC, datetime
from typing import Any, cast

from localkube.runtime import constants as c
from localkube.runtime.apiclient import ApiError, Informer, KubeClient, resource_path
from localkube.runtime.events import EventRecorder
from localkube.runtime.jobstate import is_finished, job_pod_name, plan_job, pod_from_template
from localkube.runtime.workqueue import WorkQueue

logger = logging.getLogger(__name__)
# How long a created pod may be missing from our watch cache before we stop counting it as active.
EXPECTATION_SECONDS = 30.0


def controller_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    for reference in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if reference.get("controller"):
            return reference
    return None


class JobController:
    def __init__(self, client: KubeClient, recorder: EventRecorder, backoff_base: float) -> None:
        self.client = client
        self.recorder = recorder
        self.backoff_base = backoff_base
        self.queue = WorkQueue(self.reconcile, "job-controller", workers=c.JOB_CONTROLLER_WORKERS)
        self.jobs: Informer | None = None
        self.pods: Informer | None = None
        # Pods created but not yet seen through the watch: job uid -> {pod name: created at}.
        self._expected: dict[str, dict[str, float]] = {}
        # The pod informer's cache indexed by controlling Job uid (client-go's controller-uid
        # index), so a sync does not scan every pod on the node: uid -> pod keys, pod key -> uid.
        self._pods_by_job: dict[str, set[tuple[str, str]]] = {}
        self._job_of_pod: dict[tuple[str, str], str] = {}

    def on_job_event(self, event_type: str, job: dict[str, Any]) -> None:
        metadata = job.get("metadata") or {}
        if event_type == "DELETED":
            self._expected.pop(metadata.get("uid", ""), None)
        self.queue.add((metadata.get("namespace", ""), metadata.get("name", "")))

    def on_pod_event(self, event_type: str, pod: dict[str, Any]) -> None:
        owner = controller_of(pod)
        self._index_pod(event_type, pod, owner)
        if owner and owner.get("kind") == "Job":
            self.queue.add((pod["metadata"].get("namespace", ""), owner.get("name", "")))

    def _index_pod(self, event_type: str, pod: dict[str, Any], owner: dict[str, Any] | None) -> None:
        metadata = pod.get("metadata") or {}
        key = (metadata.get("namespace", ""), metadata.get("name", ""))
        previous = self._job_of_pod.pop(key, None)
        if previous is not None:
            keys = self._pods_by_job.get(previous, set())
            keys.discard(key)
            if not keys:
                self._pods_by_job.pop(previous, None)
        uid = (owner or {}).get("uid")
        if event_type != "DELETED" and uid:
            self._job_of_pod[key] = uid
            self._pods_by_job.setdefault(uid, set()).add(key)

    def _owned_pods(self, job: dict[str, Any]) -> list[dict[str, Any]]:
        assert self.pods is not None
        namespace = job["metadata"].get("namespace")
        pods = (self.pods.cache.get(key) for key in self._pods_by_job.get(job["metadata"]["uid"], ()))
        return [pod for pod in pods if pod is not None and pod["metadata"].get("namespace") == namespace]

    def _pending_creates(self, uid: str, pods: list[dict[str, Any]]) -> int:
        expected = self._expected.get(uid, {})
        seen = {pod["metadata"]["name"] for pod in pods}
        now = time.monotonic()
        for name in [name for name, at in expected.items() if name in seen or now - at > EXPECTATION_SECONDS]:
            expected.pop(name)
        return len(expected)

    async def reconcile(self, key: Hashable) -> None:
        assert self.jobs is not None
        namespace, name = cast(tuple[str, str], key)  # this controller queues only (namespace, name)
        job = self.jobs.cache.get((namespace, name))
        if job is None or (job["metadata"].get("deletionTimestamp") and is_finished(job) is None):
            return  # deleted (the garbage collector removes its pods) or being deleted
        uid = job["metadata"]["uid"]
        pods = self._owned_pods(job)
        plan = plan_job(
            job,
            pods,
            datetime.now(UTC),
            pending_creates=self._pending_creates(uid, pods),
            backoff_base=self.backoff_base,
        )
        for _ in range(plan.create):
            pod = pod_from_template(job, job_pod_name(name))
            try:
                created = await self.client.create(resource_path("v1", "pods", namespace), pod)
            except ApiError as error:
                await self.recorder.record(
                    job, "FailedCreate", f"Error creating: {error}", component=c.COMPONENT_JOB_CONTROLLER, warning=True
                )
                raise
            self._expected.setdefault(uid, {})[created["metadata"]["name"]] = time.monotonic()
            plan.status["active"] = plan.status.get("active", 0) + 1
            await self.recorder.record(
                job,
                "SuccessfulCreate",
                f"Created pod: {created['metadata']['name']}",
                component=c.COMPONENT_JOB_CONTROLLER,
            )
        # The verdict (FailureTarget/Failed) is written before pods are deleted, as Kubernetes does
        # since 1.31: whoever sees a pod going away can already read why.
        old_status = job.get("status") or {}
        if plan.status != old_status:
            # A merge patch keeps keys it does not mention: clear dropped ones (zero counts) explicitly.
            patch = {**{key: None for key in old_status if key not in plan.status}, **plan.status}
            try:
                updated = await self.client.patch(
                    resource_path("batch/v1", "jobs", namespace, name, "status"), {"status": patch}
                )
            except ApiError as error:
                if error.status == 404:
                    return
                raise
            if updated:
                self.jobs.cache[(namespace, name)] = updated  # act on our own write before its watch event
        for pod_name in plan.delete:
            await self.client.delete(
                resource_path("v1", "pods", namespace, pod_name),
                {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"},
            )
            await self.recorder.record(
                job, "SuccessfulDelete", f"Deleted pod: {pod_name}", component=c.COMPONENT_JOB_CONTROLLER
            )
        for reason, message, warning in plan.events:
            await self.recorder.record(job, reason, message, component=c.COMPONENT_JOB_CONTROLLER, warning=warning)
        if plan.requeue_after is not None:
            self.queue.add_after(key, plan.requeue_after + 0.05)
