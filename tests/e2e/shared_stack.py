"""The end-to-end stack of one test process, shared by every directory whose fixtures ask for it.

tests/e2e and tests/browser/console each declare a session fixture for the stack; pytest keeps a
separate instance per declaring conftest, so an xdist worker that ran both started two stacks
(localkube, Redis, a migration, a worker and a watcher: ~9 s of CPU and ~20 s of set-up each). The
fixtures enter `shared_stack()` instead: the first builds the stack, the last to leave stops it.
Tests keep apart by their own namespaces, as they do within tests/e2e.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any

import kubernetes.client
import pytest
from kubernetes.client import V1Namespace

from localkube.context import ControllerContext
from localkube.runtime import start_controllers
from localkube.testing import LocalKube, free_port
from reconciler.tests.services_support import crd_install, reconciler_kubeconfig
from tests.e2e.database import migrated_database
from tests.e2e.processes import RedisServer
from tests.e2e.stack import CONTROL_PLANE_NAMESPACE, Stack, database_path, worker_env


def _roomy_runtime(context: ControllerContext) -> Coroutine[Any, Any, None]:
    """localkube's runtime on a node with room for a few dozen sessions at once (the unschedulable
    test asks for far more). Set on the runtime's context, not in os.environ: the other tests this
    xdist worker runs while the stack lives start localkubes of their own that must keep the default."""
    # The runtime reads an optional node_capacity from its context; ControllerContext does not declare it.
    context.node_capacity = {"cpu": "64", "memory": "256Gi"}  # type: ignore[attr-defined]
    return start_controllers(context)


@contextmanager
def _started_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("e2e")
    image_map_path = directory / "images.yaml"
    kube = LocalKube(image_map_file=image_map_path, controllers=[_roomy_runtime])
    redis = RedisServer(directory)
    stack = Stack(kube, redis, {}, directory, image_map_path, free_port(), api_port=free_port())
    stack.set_image_map()
    kube_config = directory / "reconciler-kubeconfig"
    redis.start()
    stack.env = worker_env(kube_config, redis.url, directory, stack.api_port)
    # The database is made ready while localkube starts in this thread: neither needs the other.
    with ThreadPoolExecutor(max_workers=1) as pool:
        database = pool.submit(migrated_database, tmp_path_factory, stack.env, database_path(directory))
        try:
            kube.start()
            crd_install(kube.api_client())
            kubernetes.client.CoreV1Api(kube.api_client()).create_namespace(
                V1Namespace.model_validate({"metadata": {"name": CONTROL_PLANE_NAMESPACE}})
            )
            reconciler_kubeconfig(kube, kube_config)
            database.result()
            stack.start_worker_and_watcher()
        except BaseException:
            stack.stop()
            raise
    try:
        yield stack
    finally:
        stack.stop()


class _Shared:
    """The process's stack while at least one fixture uses it; `exits` stops it."""

    stack: Stack | None = None
    users = 0
    exits = ExitStack()


@contextmanager
def shared_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if _Shared.stack is None:
        _Shared.stack = _Shared.exits.enter_context(_started_stack(tmp_path_factory))
    _Shared.users += 1
    try:
        yield _Shared.stack
    finally:
        _Shared.users -= 1
        if _Shared.users == 0:
            _Shared.stack = None
            _Shared.exits.close()
