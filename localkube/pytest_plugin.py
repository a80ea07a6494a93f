"""pytest fixtures: one localkube per session (``localkube``) and a fresh namespace per test.

Load with ``pytest_plugins = ["localkube.pytest_plugin"]``.
"""

from __future__ import annotations

from collections.abc import Iterator

import kubernetes.client
import pytest

from localkube.testing import LocalKube


@pytest.fixture(scope="session")
def localkube() -> Iterator[LocalKube]:
    with LocalKube() as kube:
        yield kube


@pytest.fixture
def kube_namespace(localkube: LocalKube) -> Iterator[str]:
    name = localkube.create_namespace("test-")
    yield name
    localkube.reset_faults()
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    try:
        core.delete_namespace(name)
    except kubernetes.client.ApiException as error:
        if error.status != 404:
            raise
