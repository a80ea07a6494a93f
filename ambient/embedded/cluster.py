"""Starting localkube for the embedded mode and seeding it with a demo project."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from ambient import kube
from ambient.embedded.identity import DEMO_PROJECT, DEMO_USERNAME
from sessions.api_constants import MANAGED_LABEL, MANAGED_LABEL_VALUE

READY_TIMEOUT_SECONDS = 60.0


class LocalkubeDidNotStart(RuntimeError):
    pass


def localkube_start(*, command: list[str], log_file: Path, kubeconfig: Path) -> subprocess.Popen[bytes]:
    """Start localkube in the background and wait until it answers with the written kubeconfig."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    last_error = "no kubeconfig yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalkubeDidNotStart(f"localkube exited with {process.returncode}; see {log_file}")
        if kubeconfig.is_file():
            try:
                kube.reset_cache()
                with kube.control_plane_client() as api_client:
                    client.VersionApi(api_client).get_code(_request_timeout=2)
            except Exception as exc:  # noqa: BLE001 - any failure means "not up yet"
                last_error = str(exc)
            else:
                return process
        time.sleep(0.3)
    process.terminate()
    raise LocalkubeDidNotStart(f"localkube did not answer within {READY_TIMEOUT_SECONDS:.0f}s ({last_error})")


def localkube_stop(process: subprocess.Popen[bytes], *, grace_seconds: float = 10.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def demo_project_ensure(*, cluster_role: str) -> None:
    """A managed namespace `demo` in which the demo user holds `cluster_role`."""
    with kube.control_plane_client() as api_client:
        core = client.CoreV1Api(api_client)
        rbac = client.RbacAuthorizationV1Api(api_client)
        namespace = client.V1Namespace(
            metadata=client.V1ObjectMeta(
                name=DEMO_PROJECT,
                labels={MANAGED_LABEL: MANAGED_LABEL_VALUE},
                annotations={"openshift.io/display-name": "Demo project"},
            )
        )
        _create_if_missing(lambda: core.create_namespace(namespace))
        binding = client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name="demo-user-admin", namespace=DEMO_PROJECT),
            role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=cluster_role),
            subjects=[client.RbacV1Subject(kind="User", name=DEMO_USERNAME, api_group="rbac.authorization.k8s.io")],
        )
        _create_if_missing(lambda: rbac.create_namespaced_role_binding(DEMO_PROJECT, binding))


def _create_if_missing(create) -> None:
    try:
        create()
    except ApiException as exc:
        if exc.status != 409:
            raise
