"""The contract tests share one localkube per session and get a fresh namespace per test.

The repository's root conftest loads ``localkube.pytest_plugin``; load it here only when these
tests run without it (e.g. from another rootdir), so one server serves the whole run.
"""

import subprocess
from collections.abc import Iterator

import kubernetes.client
import pytest

from localkube.operations import CRD_KEY
from localkube.runtime.tests.e2e_support import TEST_IMAGE, map_images
from localkube.testing import LocalKube
from localkube.tests.helpers import kubectl_binary

PLUGIN = "localkube.pytest_plugin"


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(PLUGIN):
        config.pluginmanager.import_plugin(PLUGIN)


@pytest.fixture(autouse=True)
def _created_crds_deleted(request: pytest.FixtureRequest) -> Iterator[None]:
    """The CRDs a test creates on the shared localkube (each in a group of its own) go when it ends,
    like its namespace: kept, they would pile up over the run, and every discovery (kubectl's, the
    dynamic client's) walks every group."""
    if "localkube" not in request.fixturenames:
        yield
        return
    localkube: LocalKube = request.getfixturevalue("localkube")
    extensions = kubernetes.client.ApiextensionsV1Api(localkube.api_client())

    def names() -> set[str]:
        # Read from the in-process server's store on its loop: a list over HTTP serialized, sent and
        # parsed every CRD's whole schema twice a test (typed models would cost ~10 ms more a list).
        assert localkube.server is not None and localkube.server.ctx is not None
        store = localkube.server.ctx.store
        return localkube.call(lambda: {str(crd["metadata"]["name"]) for crd in store.objects_of(*CRD_KEY)})

    before = names()
    yield
    for name in names() - before:
        extensions.delete_custom_resource_definition(name)


@pytest.fixture
def core(localkube: LocalKube) -> kubernetes.client.CoreV1Api:
    """A CoreV1Api client on the shared localkube, with TEST_IMAGE mapped (the job, pod and service-proxy tests)."""
    map_images(localkube, {TEST_IMAGE: {}})
    return kubernetes.client.CoreV1Api(localkube.api_client())


@pytest.fixture
def kubectl(localkube, kube_namespace, tmp_path):
    binary = kubectl_binary()

    def run(*args: str, stdin: str | None = None, check: bool = True, token: str | None = None) -> str:
        command = [
            binary,
            f"--kubeconfig={localkube.kubeconfig_path}",
            f"--cache-dir={tmp_path / 'cache'}",
            "--request-timeout=20s",
            "-n",
            kube_namespace,
        ]
        if token:
            command.append(f"--token={token}")
        result = subprocess.run([*command, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr}")
        return result.stdout + (result.stderr if not check else "")

    return run
