"""The watcher against localkube over HTTPS with the real kubernetes client (no fakes).

Enqueues are recorded by a plain function passed to the watcher; test_queueing covers what the
real enqueue does with them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import kubernetes.client
import pytest
import yaml
from kubernetes.client import V1CustomResourceDefinition, V1Job, V1Pod
from prometheus_client import REGISTRY

from ambient.contract import API_VERSION, GROUP, KIND, LABEL_SESSION, PLURAL, VERSION
from ambient.kube import KubeGateway
from localkube.testing import LocalKube
from reconciler.watching import SESSIONS, Liveness, ResourceWatch, SessionWatcher, WatcherConfig

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

CRD_FILE = Path(__file__).resolve().parents[2] / "helm" / "ambient" / "crds" / "agenticsessions.yaml"
LEASE_NAME = "ambient-session-watcher"


def gateway_of(kube: LocalKube) -> Callable[[], KubeGateway]:
    """The watcher's gateway factory, acting as localkube's admin."""
    gateway = KubeGateway(kube.api_client())
    return lambda: gateway


def minimal_crd() -> dict[str, Any]:
    """Used only if the chart's CRD is absent: just enough schema to store a session."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{PLURAL}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"kind": KIND, "plural": PLURAL, "singular": KIND.lower(), "listKind": f"{KIND}List"},
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                }
            ],
        },
    }


@pytest.fixture(scope="module")
def kube() -> Iterator[LocalKube]:
    # Our own instance: no controllers (no pods appear by themselves) and frequent bookmarks.
    with LocalKube(controllers=[], bookmark_interval=0.5) as server:
        crd = yaml.safe_load(CRD_FILE.read_text()) if CRD_FILE.is_file() else minimal_crd()
        extensions = kubernetes.client.ApiextensionsV1Api(server.api_client())
        extensions.create_custom_resource_definition(V1CustomResourceDefinition.model_validate(crd))
        yield server


@pytest.fixture
def namespace(kube: LocalKube) -> Iterator[str]:
    name = kube.create_namespace("watch-")
    yield name
    kube.reset_faults()
    kubernetes.client.CoreV1Api(kube.api_client()).delete_namespace(name)


class Recorder:
    def __init__(self) -> None:
        self.keys: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, key: str) -> None:
        with self._lock:
            self.keys.append(key)

    def count(self, key: str) -> int:
        with self._lock:
            return self.keys.count(key)

    def seen(self) -> set[str]:
        with self._lock:
            return set(self.keys)


def wait_until(predicate: Callable[[], object], timeout: float = 15.0, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting: {message or predicate}")
        time.sleep(0.02)


def fast_config(namespace: str, lease_namespace: str, **overrides: Any) -> WatcherConfig:
    values: dict[str, Any] = {
        "namespaces": (namespace,),
        "lease_namespace": lease_namespace,
        "lease_name": LEASE_NAME,
        "lease_duration_seconds": 2,
        "lease_renew_interval": 0.2,
        "read_timeout": 10.0,
        "watch_timeout_min": 2,
        "watch_timeout_max": 3,
        "backoff_initial": 0.05,
        "backoff_max": 0.5,
    }
    values.update(overrides)
    return WatcherConfig(**values)


class Sessions:
    def __init__(self, kube: LocalKube, namespace: str) -> None:
        self.api = kubernetes.client.CustomObjectsApi(kube.api_client())
        self.namespace = namespace

    def create(self, name: str) -> None:
        body = {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": name}, "spec": {"initialPrompt": "hi"}}
        self.api.create_namespaced_custom_object(GROUP, VERSION, self.namespace, PLURAL, body)

    def update(self, name: str, prompt: str) -> None:
        patch = {"spec": {"initialPrompt": prompt}}
        self.api.patch_namespaced_custom_object(GROUP, VERSION, self.namespace, PLURAL, name, patch)

    def delete(self, name: str) -> None:
        self.api.delete_namespaced_custom_object(GROUP, VERSION, self.namespace, PLURAL, name)

    def patch_status(self, name: str, status: dict[str, Any]) -> None:
        self.api.patch_namespaced_custom_object_status(GROUP, VERSION, self.namespace, PLURAL, name, {"status": status})

    def patch_metadata(self, name: str, metadata: dict[str, Any]) -> None:
        self.api.patch_namespaced_custom_object(GROUP, VERSION, self.namespace, PLURAL, name, {"metadata": metadata})


@pytest.fixture
def sessions(kube: LocalKube, namespace: str) -> Sessions:
    return Sessions(kube, namespace)


@pytest.fixture
def start_watcher(kube: LocalKube) -> Iterator[Callable[..., tuple[SessionWatcher, Recorder]]]:
    started: list[tuple[SessionWatcher, threading.Thread]] = []

    def start(config: WatcherConfig) -> tuple[SessionWatcher, Recorder]:
        recorder = Recorder()
        watcher = SessionWatcher(config, gateway_of(kube), recorder, liveness=Liveness())
        thread = threading.Thread(target=watcher.run, daemon=True)
        thread.start()
        started.append((watcher, thread))
        return watcher, recorder

    yield start
    for watcher, thread in started:
        watcher.stop()
        thread.join(timeout=15)
        assert not thread.is_alive()


def watching(watcher: SessionWatcher) -> bool:
    return watcher.leading.is_set() and bool(watcher.watches) and all(watch.lists for watch in watcher.watches)


def lease_spec(kube: LocalKube, namespace: str) -> dict[str, Any]:
    api = kubernetes.client.CustomObjectsApi(kube.api_client())
    lease = api.get_namespaced_custom_object("coordination.k8s.io", "v1", namespace, "leases", LEASE_NAME)
    assert isinstance(lease, dict)
    return lease["spec"]


# --- tests -----------------------------------------------------------------------------------------


def test_initial_list_enqueues_every_session(start_watcher: Callable, sessions: Sessions, namespace: str) -> None:
    for name in ("s1", "s2", "s3"):
        sessions.create(name)
    watcher, recorder = start_watcher(fast_config(namespace, namespace))
    wait_until(lambda: watching(watcher))
    assert {f"{namespace}/s1", f"{namespace}/s2", f"{namespace}/s3"} <= recorder.seen()


def test_create_update_delete_each_enqueue(start_watcher: Callable, sessions: Sessions, namespace: str) -> None:
    watcher, recorder = start_watcher(fast_config(namespace, namespace))
    wait_until(lambda: watching(watcher))
    key = f"{namespace}/s1"
    sessions.create("s1")
    wait_until(lambda: recorder.count(key) >= 1, message="create")
    sessions.update("s1", "changed")
    wait_until(lambda: recorder.count(key) >= 2, message="update")
    sessions.delete("s1")
    wait_until(lambda: recorder.count(key) >= 3, message="delete")


def test_status_only_updates_are_not_enqueued_but_metadata_changes_are(
    start_watcher: Callable, sessions: Sessions, namespace: str
) -> None:
    sessions.create("s0")  # listed before the watch starts: its first update is compared too
    watcher, recorder = start_watcher(fast_config(namespace, namespace))
    wait_until(lambda: watching(watcher))
    session_watch = next(watch for watch in watcher.watches if watch.resource is SESSIONS)
    listed, key = f"{namespace}/s0", f"{namespace}/s1"
    wait_until(lambda: recorder.count(listed) == 1, message="listed")
    sessions.create("s1")
    wait_until(lambda: recorder.count(key) == 1, message="create")
    # Events of one stream arrive in order: once the annotation's key is seen, the status
    # update before it has been handled (and skipped).
    sessions.patch_status("s0", {"phase": "Pending"})
    sessions.patch_status("s1", {"phase": "Pending"})
    sessions.patch_metadata("s1", {"annotations": {"ambient-code.io/desired-phase": "Stopped"}})
    wait_until(lambda: recorder.count(key) == 2, message="annotation")
    assert recorder.count(listed) == 1
    assert session_watch.skipped_status_only == 2
    sessions.patch_status("s1", {"phase": "Stopping"})
    sessions.patch_metadata("s1", {"labels": {"team": "b"}})
    wait_until(lambda: recorder.count(key) == 3, message="label")
    sessions.update("s1", "changed")
    wait_until(lambda: recorder.count(key) == 4, message="spec")
    sessions.delete("s1")
    wait_until(lambda: recorder.count(key) == 5, message="delete")
    assert session_watch.skipped_status_only == 3
    assert f"{namespace}/s1" not in session_watch.fingerprints


def test_child_pod_and_job_events_enqueue_their_session(
    kube: LocalKube, start_watcher: Callable, namespace: str
) -> None:
    watcher, recorder = start_watcher(fast_config(namespace, namespace))
    wait_until(lambda: watching(watcher))
    core = kubernetes.client.CoreV1Api(kube.api_client())
    batch = kubernetes.client.BatchV1Api(kube.api_client())
    pod_spec = {"containers": [{"name": "runner", "image": "example.invalid/runner:1"}], "restartPolicy": "Never"}
    core.create_namespaced_pod(
        namespace,
        V1Pod.model_validate({"metadata": {"name": "p1", "labels": {LABEL_SESSION: "s-pod"}}, "spec": pod_spec}),
    )
    job = {
        "metadata": {"name": "s-job-job", "labels": {LABEL_SESSION: "s-job"}},
        "spec": {"template": {"spec": pod_spec}},
    }
    batch.create_namespaced_job(namespace, V1Job.model_validate(job))
    core.create_namespaced_pod(namespace, V1Pod.model_validate({"metadata": {"name": "unrelated"}, "spec": pod_spec}))
    wait_until(lambda: {f"{namespace}/s-pod", f"{namespace}/s-job"} <= recorder.seen())
    assert f"{namespace}/unrelated" not in recorder.seen()


def sessions_counter(name: str) -> float:
    """A watch counter's value for the sessions resource, read the way a scrape reads it."""
    return REGISTRY.get_sample_value(name, {"resource": SESSIONS.name}) or 0.0


def test_resume_after_disconnects_misses_nothing_and_does_not_relist(
    kube: LocalKube, start_watcher: Callable, sessions: Sessions, namespace: str
) -> None:
    # Ten cut streams in a row: with the usual doubling the reconnects alone would wait ~3 s, and
    # what is tested here is where each one resumes, not how long it waits.
    watcher, recorder = start_watcher(fast_config(namespace, namespace, backoff_max=0.05))
    wait_until(lambda: watching(watcher))
    session_watch = next(watch for watch in watcher.watches if watch.resource is SESSIONS)
    restarts_before = sessions_counter("ambient_watch_restarts_total")
    kube.set_faults(seed=7, watch_drop_rate=1.0)  # every stream is cut right after one event
    names = [f"s{index}" for index in range(10)]
    for name in names:
        sessions.create(name)
    wait_until(lambda: {f"{namespace}/{name}" for name in names} <= recorder.seen(), timeout=30)
    kube.reset_faults()
    assert session_watch.lists == 1  # resumed from the last resourceVersion each time
    assert sessions_counter("ambient_watch_restarts_total") > restarts_before


def test_expired_resource_version_relists_and_enqueues_vanished_keys(
    kube: LocalKube, sessions: Sessions, namespace: str
) -> None:
    sessions.create("stays")
    sessions.create("vanishes")
    recorder, stop = Recorder(), threading.Event()
    config = fast_config(namespace, namespace)
    watch = ResourceWatch(SESSIONS, namespace, gateway_of(kube), recorder, config, Liveness(), stop)

    def run_once_streaming() -> threading.Thread:
        thread = threading.Thread(target=watch.run, daemon=True)
        thread.start()
        return thread

    thread = run_once_streaming()
    wait_until(lambda: watch.lists == 1 and recorder.count(f"{namespace}/vanishes") == 1)
    stop.set()
    watch.abort()
    thread.join(timeout=15)
    # While nobody watches: one session vanishes, one appears; the history then "expires".
    sessions.delete("vanishes")
    sessions.create("appears")
    relists_before = sessions_counter("ambient_watch_relists_total")
    kube.set_faults(watch_expire_rate=1.0)
    stop.clear()
    thread = run_once_streaming()
    try:
        wait_until(lambda: watch.lists >= 2, message="relist after 410")
        kube.reset_faults()
        wait_until(lambda: recorder.count(f"{namespace}/vanishes") == 2 and recorder.count(f"{namespace}/appears") >= 1)
        assert sessions_counter("ambient_watch_relists_total") > relists_before
        assert set(watch.known) == {f"{namespace}/stays", f"{namespace}/appears"}
    finally:
        stop.set()
        watch.abort()
        thread.join(timeout=15)


def test_second_watcher_stays_standby_until_the_first_releases(
    kube: LocalKube, start_watcher: Callable, sessions: Sessions, namespace: str
) -> None:
    lease_namespace = f"{namespace}-lease"  # missing: the first watcher creates it
    sessions.create("s1")
    first, _ = start_watcher(fast_config(namespace, lease_namespace, identity="first"))
    wait_until(lambda: watching(first))
    second, second_keys = start_watcher(fast_config(namespace, lease_namespace, identity="second"))
    # Standby through several renewals and a whole lease duration (the first keeps renewing).
    wait_until(lambda: second.elector._observed is not None)
    time.sleep(2.5)
    assert not second.leading.is_set() and not second_keys.keys
    assert lease_spec(kube, lease_namespace)["holderIdentity"] == "first"
    first.stop()
    wait_until(lambda: watching(second), message="takeover after release")
    assert f"{namespace}/s1" in second_keys.seen()  # a new leader lists and enqueues everything
    assert lease_spec(kube, lease_namespace)["holderIdentity"] == "second"
    second.stop()
    wait_until(lambda: lease_spec(kube, lease_namespace)["holderIdentity"] == "")
    kubernetes.client.CoreV1Api(kube.api_client()).delete_namespace(lease_namespace)


def test_an_expired_lease_of_a_dead_holder_is_taken_over(
    kube: LocalKube, start_watcher: Callable, namespace: str
) -> None:
    api = kubernetes.client.CustomObjectsApi(kube.api_client())
    stale = "2020-01-01T00:00:00.000000Z"
    body = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": LEASE_NAME},
        "spec": {"holderIdentity": "crashed", "leaseDurationSeconds": 1, "renewTime": stale, "acquireTime": stale},
    }
    api.create_namespaced_custom_object("coordination.k8s.io", "v1", namespace, "leases", body)
    watcher, _ = start_watcher(fast_config(namespace, namespace, identity="survivor"))
    wait_until(lambda: watching(watcher), message="takeover after the lease duration")
    spec = lease_spec(kube, namespace)
    assert spec["holderIdentity"] == "survivor"
    assert spec["leaseTransitions"] == 1


def test_leadership_lost_stops_the_watches(kube: LocalKube, start_watcher: Callable, namespace: str) -> None:
    watcher, _ = start_watcher(fast_config(namespace, namespace, identity="original"))
    wait_until(lambda: watching(watcher))
    api = kubernetes.client.CustomObjectsApi(kube.api_client())
    patch = {"spec": {"holderIdentity": "intruder", "leaseDurationSeconds": 30}}
    api.patch_namespaced_custom_object("coordination.k8s.io", "v1", namespace, "leases", LEASE_NAME, patch)
    wait_until(lambda: not watcher.leading.is_set() and not watcher.watches, message="stepping down")
