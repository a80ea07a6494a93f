"""Shared by the test_services_* modules: the CRD in the test localkube, a session factory, and a
Django configuration pointing the reconciler at that localkube (the real client over HTTPS)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes.client
import pytest
import yaml

from ambient import kube
from ambient.contract import API_VERSION, GROUP, KIND, PLURAL, VERSION
from localkube.testing import LocalKube

CRD_FILE = Path(__file__).resolve().parents[2] / "helm" / "ambient" / "crds" / "agenticsessions.yaml"


@functools.cache
def crd_body() -> Any:
    """The chart's CRD, parsed once per process (pure-Python YAML: ~0.1 s for its schema)."""
    return yaml.safe_load(CRD_FILE.read_text())


def crd_install(api_client: kubernetes.client.ApiClient) -> None:
    body = crd_body()
    extensions = kubernetes.client.ApiextensionsV1Api(api_client)
    try:
        extensions.create_custom_resource_definition(body)
    except kubernetes.client.ApiException as error:
        if error.status != 409:
            raise


def session_manifest(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": name},
        "spec": {"initialPrompt": "hello", "timeout": 600, **spec},
    }


def session_create(api_client: kubernetes.client.ApiClient, namespace: str, name: str, **spec: Any) -> dict[str, Any]:
    custom = kubernetes.client.CustomObjectsApi(api_client)
    created = custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, session_manifest(name, **spec))
    assert isinstance(created, dict)
    return created


def session_read(api_client: kubernetes.client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    custom = kubernetes.client.CustomObjectsApi(api_client)
    found = custom.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name)
    assert isinstance(found, dict)
    return found


def session_patch(api_client: kubernetes.client.ApiClient, namespace: str, name: str, patch: dict[str, Any]) -> None:
    custom = kubernetes.client.CustomObjectsApi(api_client)
    custom.patch_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name, patch)


RECONCILER_USER = "ambient-reconciler"


def reconciler_kubeconfig(localkube: LocalKube, path: Path) -> Path:
    """A kubeconfig with a token of its own, so the request log tells the reconciler's writes
    from those of localkube's controllers (which use the admin token)."""
    token = localkube.create_user(RECONCILER_USER, groups=("system:masters",))
    config = yaml.safe_load(localkube.kubeconfig_path.read_text())
    for user in config["users"]:
        user["user"] = {"token": token}
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def reconciler_kube(localkube: LocalKube, settings: Any, tmp_path: Path) -> Iterator[LocalKube]:
    """The reconciler's control-plane client talks to the test localkube."""
    crd_install(localkube.api_client())
    settings.KUBECONFIG = str(reconciler_kubeconfig(localkube, tmp_path / "kubeconfig"))
    settings.KUBE_IN_CLUSTER = False
    settings.KUBE_CONTEXT = ""
    kube.reset()
    yield localkube
    kube.reset()
