"""End-to-end fixtures: one stack (tests/e2e/stack.py) per test run, a fresh namespace per test."""

from __future__ import annotations

import sys
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import kubernetes.client
import pytest
from kubernetes.client import V1Namespace
from rest_framework.test import APIClient

from ambient import kube as ambient_kube
from ambient.content.client import forget_content_tokens
from localkube.context import ControllerContext
from localkube.runtime import start_controllers
from localkube.testing import LocalKube, free_port
from reconciler.embedded_images import REPO_ROOT
from reconciler.tests.services_support import crd_install, reconciler_kubeconfig
from tests.e2e.processes import ManagedProcess, RedisServer
from tests.e2e.stack import CONTROL_PLANE_NAMESPACE, Stack, worker_env

E2E_DIRECTORY = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test here drives real worker and watcher processes, so `make test-fast` can skip the
    # directory without importing it.
    for item in items:
        if item.path.is_relative_to(E2E_DIRECTORY):
            item.add_marker(pytest.mark.e2e)


def _roomy_runtime(context: ControllerContext) -> Coroutine[Any, Any, None]:
    """localkube's runtime on a node with room for a few dozen sessions at once (the unschedulable
    test asks for far more). Set on the runtime's context, not in os.environ: the other tests this
    xdist worker runs while the stack lives start localkubes of their own that must keep the default."""
    # The runtime reads an optional node_capacity from its context; ControllerContext does not declare it.
    context.node_capacity = {"cpu": "64", "memory": "256Gi"}  # type: ignore[attr-defined]
    return start_controllers(context)


@pytest.fixture(scope="session")
def e2e_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("e2e")
    image_map_path = directory / "images.yaml"
    kube = LocalKube(image_map_file=image_map_path, controllers=[_roomy_runtime])
    redis = RedisServer(directory)
    stack = Stack(kube, redis, {}, directory, image_map_path, free_port(), api_port=free_port())
    stack.set_image_map()
    kube_config = directory / "reconciler-kubeconfig"
    # The database is migrated while localkube starts in this process: neither needs the other.
    redis.start()
    stack.env = worker_env(kube_config, redis.url, directory, stack.api_port)
    migrate = ManagedProcess(
        "migrate",
        [sys.executable, str(REPO_ROOT / "manage.py"), "migrate", "--noinput"],
        stack.env,
        directory,
        REPO_ROOT,
    ).start()
    try:
        kube.start()
        crd_install(kube.api_client())
        kubernetes.client.CoreV1Api(kube.api_client()).create_namespace(
            V1Namespace.model_validate({"metadata": {"name": CONTROL_PLANE_NAMESPACE}})
        )
        reconciler_kubeconfig(kube, kube_config)
        assert migrate.process is not None and migrate.process.wait(timeout=120) == 0, migrate.tail()
        stack.start_worker_and_watcher()
        yield stack
    finally:
        migrate.stop()
        stack.stop()


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
