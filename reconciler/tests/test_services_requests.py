"""How many API requests a converged pass makes, counted in localkube's request log (no mocks).

This module runs its own localkube whose kubelet runs the runner and content images as `sleep`,
so sessions really reach Running.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import kubernetes.client
import pytest
import redis

from ambient.contract import ANNOTATION_DESIRED_PHASE, service_name
from localkube.testing import LocalKube
from reconciler.embedded_images import write_image_map
from reconciler.services import session_reconcile
from reconciler.services.children_memo import (
    ChildrenMemo,
    ChildrenSnapshot,
    RedisBackend,
    children_memo,
    reset_children_memo,
)
from reconciler.tests.services_support import (
    RECONCILER_USER,
    reconciler_kube,  # noqa: F401 - fixture
    session_create,
    session_patch,
    session_read,
)

pytestmark = [
    pytest.mark.localkube,
    pytest.mark.integration,
    pytest.mark.django_db,
    pytest.mark.usefixtures("reconciler_kube"),
]

RUNNER_IMAGE = "ambient-test/requests-runner:1"
CONTENT_IMAGE = "ambient-test/requests-content:1"
READ_VERBS = frozenset({"get", "list", "watch"})
# Reconciler API calls from a new session to Running, counted over the passes that wrote (22, plus
# the NetworkPolicy on the content port).
NEW_SESSION_CALLS_MAX = 23


@pytest.fixture(scope="module")
def localkube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKube]:
    """Replaces the shared localkube for this module: one whose pods run."""
    image_map = tmp_path_factory.mktemp("images") / "images.yaml"
    write_image_map(
        image_map,
        {"images": {RUNNER_IMAGE: {"command": ["sleep", "3600"]}, CONTENT_IMAGE: {}}},
    )
    with LocalKube(image_map_file=image_map) as kube:
        yield kube


@pytest.fixture(autouse=True)
def _running_images(settings) -> Iterator[None]:  # noqa: ANN001 - pytest-django's settings fixture
    settings.RECONCILER_RUNNER_IMAGE = RUNNER_IMAGE
    settings.RECONCILER_CONTENT_IMAGE = CONTENT_IMAGE
    settings.RECONCILER_CONTENT_COMMAND = ["sleep", "3600"]
    settings.REDIS_URL = ""  # the in-process memo; the Redis one is covered by the bench and e2e runs
    reset_children_memo()
    yield
    reset_children_memo()


def _reconcile_until_running(namespace: str, name: str, admin: kubernetes.client.ApiClient) -> None:
    """Passes until the session is Running; between passes the kubelet needs a moment to start pods."""
    for _ in range(200):
        session_reconcile(namespace, name)
        if (session_read(admin, namespace, name).get("status") or {}).get("phase") == "Running":
            return
        time.sleep(0.1)
    raise AssertionError(f"{name} never reached Running: {session_read(admin, namespace, name).get('status')}")


def _converged(namespace: str, name: str, localkube: LocalKube) -> None:
    """Passes until one makes no write (a fresh pass may still copy a condition from the pod)."""
    for _ in range(10):
        mark = localkube.request_log.mark()
        session_reconcile(namespace, name)
        if localkube.request_log.writes_since(mark, user=RECONCILER_USER) == 0:
            return
    raise AssertionError(f"{name} never converged")


def _requests_of_one_pass(namespace: str, name: str, localkube: LocalKube) -> tuple[list[str], int]:
    mark = localkube.request_log.mark()
    session_reconcile(namespace, name)
    mine = [record for record in localkube.request_log.records_since(mark) if record.user == RECONCILER_USER]
    reads = [f"{record.verb} {record.path}" for record in mine if record.verb in READ_VERBS]
    writes = sum(1 for record in mine if record.is_write)
    return reads, writes


def test_a_converged_running_pass_makes_at_most_three_reads_and_no_write(
    localkube: LocalKube, kube_namespace: str
) -> None:
    admin = localkube.api_client()
    session_create(admin, kube_namespace, "steady", interactive=True)
    _reconcile_until_running(kube_namespace, "steady", admin)
    _converged(kube_namespace, "steady", localkube)
    for _ in range(3):  # every converged pass, not just the first after a full read
        reads, writes = _requests_of_one_pass(kube_namespace, "steady", localkube)
        assert len(reads) <= 3, reads
        assert writes == 0


def test_a_new_session_reaches_creating_in_one_pass_without_reading_its_children(
    localkube: LocalKube, kube_namespace: str
) -> None:
    """First sight stamps Pending and, in the same pass, decides again on the session its status
    write returned: it creates every child and the Job without reading them first (a new session
    has none), so the session, its Job and its pods are its only reads; the passes after it read
    those three too."""
    admin = localkube.api_client()
    session_create(admin, kube_namespace, "newcomer", interactive=True)
    reads, _ = _requests_of_one_pass(kube_namespace, "newcomer", localkube)
    assert len(reads) == 3, reads
    assert session_read(admin, kube_namespace, "newcomer")["status"]["phase"] == "Creating"
    reads, _ = _requests_of_one_pass(kube_namespace, "newcomer", localkube)
    assert len(reads) <= 3, reads


def test_a_new_session_costs_few_api_calls_on_its_way_to_running(localkube: LocalKube, kube_namespace: str) -> None:
    """What a new session costs the API server, as in a burst (where the pod's intermediate states
    coalesce into one event): one pass takes it to Creating, and once its pod runs, one pass to
    Running. 36 calls before first sight was chained into creation, the children went unread and
    the flips of one status write became one Event."""
    admin = localkube.api_client()
    session_create(admin, kube_namespace, "counted", interactive=True)
    mark = localkube.request_log.mark()
    session_reconcile(kube_namespace, "counted")
    core = kubernetes.client.CoreV1Api(admin)
    for _ in range(200):
        pods = core.list_namespaced_pod(kube_namespace, label_selector="ambient-code.io/session=counted").items
        statuses = [entry for pod in pods if pod.status for entry in pod.status.container_statuses or []]
        if any(entry.name == "ambient-code-runner" and entry.state and entry.state.running for entry in statuses):
            break
        time.sleep(0.1)
    session_reconcile(kube_namespace, "counted")
    assert session_read(admin, kube_namespace, "counted")["status"]["phase"] == "Running"
    calls = [f"{r.method} {r.path}" for r in localkube.request_log.records_since(mark) if r.user == RECONCILER_USER]
    assert len(calls) <= NEW_SESSION_CALLS_MAX, "\n".join(calls)


def test_a_pass_after_the_recheck_period_reads_the_children_again(
    localkube: LocalKube, kube_namespace: str, settings
) -> None:
    """A Service deleted by hand is recreated once the secondary children are re-read."""
    admin = localkube.api_client()
    session_create(admin, kube_namespace, "healing", interactive=True)
    _reconcile_until_running(kube_namespace, "healing", admin)
    _converged(kube_namespace, "healing", localkube)
    core = kubernetes.client.CoreV1Api(admin)
    core.delete_namespaced_service(service_name("healing"), kube_namespace, _preload_content=False)
    settings.RECONCILER_CHILDREN_RECHECK_SECONDS = 0
    _converged(kube_namespace, "healing", localkube)
    assert core.read_namespaced_service(service_name("healing"), kube_namespace)


def test_only_a_pass_that_changes_a_secondary_child_forgets_the_snapshot(
    localkube: LocalKube, kube_namespace: str
) -> None:
    """Status writes and the stop's Job deletion keep it (with no copied secrets, a stop reads only
    the session, its Job and its pods); the Stopped pass deletes the token Secret and forgets it."""
    admin = localkube.api_client()
    uid = session_create(admin, kube_namespace, "fresh", interactive=True)["metadata"]["uid"]
    _reconcile_until_running(kube_namespace, "fresh", admin)
    _converged(kube_namespace, "fresh", localkube)
    assert children_memo().recall(uid) is not None
    session_patch(admin, kube_namespace, "fresh", {"metadata": {"annotations": {ANNOTATION_DESIRED_PHASE: "Stopped"}}})
    reads, _ = _requests_of_one_pass(kube_namespace, "fresh", localkube)  # deletes the Job
    assert len(reads) <= 3, reads
    assert session_read(admin, kube_namespace, "fresh")["status"]["phase"] == "Stopping"
    assert children_memo().recall(uid) is not None
    for _ in range(200):
        session_reconcile(kube_namespace, "fresh")
        if session_read(admin, kube_namespace, "fresh")["status"]["phase"] == "Stopped":
            break
        time.sleep(0.1)
    assert session_read(admin, kube_namespace, "fresh")["status"]["phase"] == "Stopped"
    assert children_memo().recall(uid) is None


def test_a_finished_session_costs_one_read(localkube: LocalKube, kube_namespace: str) -> None:
    """A finished session is decided from the CR alone: one read."""
    admin = localkube.api_client()
    session_create(admin, kube_namespace, "done")
    custom = kubernetes.client.CustomObjectsApi(admin)
    custom.patch_namespaced_custom_object_status(
        "vteam.ambient-code", "v1alpha1", kube_namespace, "agenticsessions", "done", {"status": {"phase": "Stopped"}}
    )
    reads, writes = _requests_of_one_pass(kube_namespace, "done", localkube)
    assert len(reads) == 1 and writes == 0


def test_the_redis_memo_is_shared_and_expires(redis_url: str) -> None:
    """Every worker sees one snapshot; it lives for the recheck period only."""
    client = redis.Redis.from_url(redis_url)
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    snapshot = ChildrenSnapshot(
        children=frozenset({("Service", "s-svc"), ("Secret", "s-token")}),
        token_refreshed_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        missing_secrets=frozenset({"absent"}),
    )
    try:
        writer, reader = ChildrenMemo(RedisBackend(client, prefix)), ChildrenMemo(RedisBackend(client, prefix))
        writer.remember("uid-1", snapshot, ttl_seconds=0.3)
        assert reader.recall("uid-1") == snapshot
        time.sleep(0.6)
        assert reader.recall("uid-1") is None
        writer.remember("uid-1", snapshot, ttl_seconds=60)
        reader.forget("uid-1")
        assert writer.recall("uid-1") is None
    finally:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()
