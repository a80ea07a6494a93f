"""ambient.kube builds clients for the control plane and for callers, against a real API server."""

import os
import shutil

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from ambient import kube


@pytest.fixture
def kube_settings(settings, localkube, tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    shutil.copy(localkube.kubeconfig_path, kubeconfig)
    settings.KUBECONFIG = str(kubeconfig)
    settings.KUBE_IN_CLUSTER = False
    kube.reset()
    yield kubeconfig
    kube.reset()


def test_control_plane_client_acts_as_the_admin(kube_settings):
    with kube.control_plane_client() as api_client:
        names = [ns.metadata.name for ns in client.CoreV1Api(api_client).list_namespace().items]
    assert "default" in names


def test_user_client_acts_only_as_the_caller(kube_settings, localkube):
    token = localkube.create_user("nobody@example.com")
    with kube.user_client(token) as api_client, pytest.raises(ApiException) as denied:
        client.CoreV1Api(api_client).list_namespace()
    assert denied.value.status == 403
    assert "nobody@example.com" in str(denied.value.body)


def test_user_client_with_a_bad_token_is_unauthenticated(kube_settings):
    with kube.user_client("not-a-token") as api_client, pytest.raises(ApiException) as denied:
        client.CoreV1Api(api_client).list_namespace()
    assert denied.value.status == 401


def test_a_changed_kubeconfig_is_re_read(kube_settings):
    first_host = kube.api_server_url()
    text = kube_settings.read_text().replace(first_host, "https://127.0.0.1:1")
    kube_settings.write_text(text)
    stat = kube_settings.stat()
    os.utime(kube_settings, (stat.st_atime, stat.st_mtime + 5))  # a coarse-mtime filesystem still sees the change
    assert kube.api_server_url() == "https://127.0.0.1:1"


@pytest.mark.django_db
def test_readyz_is_200_when_every_dependency_answers(client, kube_settings):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert all(check["ok"] for check in body["checks"].values())
