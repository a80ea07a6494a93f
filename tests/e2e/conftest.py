"""End-to-end fixtures: one stack (tests/e2e/stack.py) per test process, a fresh namespace per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import kubernetes.client
import pytest
from rest_framework.test import APIClient

from ambient import kube as ambient_kube
from ambient.content.client import forget_content_tokens
from localkube.testing import LocalKube
from tests.e2e.shared_stack import shared_stack
from tests.e2e.stack import Stack

E2E_DIRECTORY = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test here drives real worker and watcher processes, so `make test-fast` can skip the
    # directory without importing it.
    for item in items:
        if item.path.is_relative_to(E2E_DIRECTORY):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def e2e_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The worker process's one stack, shared with tests/browser/console (tests/e2e/shared_stack.py)."""
    with shared_stack(tmp_path_factory) as stack:
        yield stack


@pytest.fixture(scope="session")
def localkube(e2e_stack: Stack) -> LocalKube:
    """The e2e localkube replaces the plain one, so `kube_namespace` makes namespaces in it."""
    return e2e_stack.kube


@pytest.fixture
def stack(e2e_stack: Stack, kube_namespace: str) -> Iterator[Stack]:
    """Every e2e test: processes healthy before, the image map and faults restored after."""
    e2e_stack.supervise()
    yield e2e_stack
    e2e_stack.kube.reset_faults()
    e2e_stack.set_image_map()


@pytest.fixture
def content_stand_in(stack: Stack) -> None:
    """Sessions started by this test get tests/e2e/fake_content.py for their content sidecar: for
    files whose sessions have no repos or workflow, so nothing but the readiness probe calls it (the
    `stack` fixture maps the real service again afterwards)."""
    stack.set_image_map(content_stand_in=True)


@pytest.fixture
def api(stack: Stack, kube_namespace: str, settings) -> APIClient:
    """The session API in this process, as the cluster admin, on the stack's localkube: the test's
    namespace is a managed project and content calls go through the API server's service proxy."""
    settings.KUBECONFIG = str(stack.kube.kubeconfig_path)
    settings.CONTENT_SERVICE_ROUTE = "service-proxy"
    ambient_kube.reset()
    forget_content_tokens()
    kubernetes.client.CoreV1Api(stack.admin).patch_namespace(
        kube_namespace, {"metadata": {"labels": {"ambient-code.io/managed": "true"}}}
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {stack.kube.admin_token}")
    return client
