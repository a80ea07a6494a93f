"""How many API requests a converged pass makes, counted in localkube's request log (no mocks).

This module runs its own localkube whose kubelet runs the runner and content images as `sleep`,
so sessions really reach Running.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import kubernetes.client
import pytest

from localkube.testing import LocalKube
from reconciler.embedded_images import write_image_map
from reconciler.services import session_reconcile
from reconciler.services.children_memo import children_memo
from reconciler.tests.services_support import (
    RECONCILER_USER,
    reconciler_kube,  # noqa: F401 - fixture
    session_create,
    session_read,
)
from sessions.constants import service_name

pytestmark = [
    pytest.mark.localkube,
    pytest.mark.integration,
    pytest.mark.django_db,
    pytest.mark.usefixtures("reconciler_kube"),
]

RUNNER_IMAGE = "ambient-test/requests-runner:1"
CONTENT_IMAGE = "ambient-test/requests-content:1"
READ_VERBS = frozenset({"get", "list", "watch"})


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
    yield
    children_memo.clear()


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


def test_an_acting_pass_forgets_what_it_read(localkube: LocalKube, kube_namespace: str) -> None:
    admin = localkube.api_client()
    session = session_create(admin, kube_namespace, "fresh", interactive=True)
    _reconcile_until_running(kube_namespace, "fresh", admin)
    # The pass that reached Running wrote its status, so nothing read before it is reused.
    assert children_memo.fresh(session["metadata"]["uid"], max_age=3600) is None
    _converged(kube_namespace, "fresh", localkube)
    assert children_memo.fresh(session["metadata"]["uid"], max_age=3600) is not None


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
