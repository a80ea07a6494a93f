"""ambient.kube: clients for the control plane and for callers, and the gateway over them, against a
real API server (localkube over HTTPS)."""

import os
import shutil
import socket

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from ambient import kube
from ambient.exceptions import Unauthenticated


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


# --- The gateway: one request path, typed errors, one resource table, clients reused ---------------


def test_resource_table_builds_every_path():
    assert (
        kube.SESSION.path("p", "s", "status")
        == "/apis/vteam.ambient-code/v1alpha1/namespaces/p/agenticsessions/s/status"
    )
    assert kube.JOB.path(None) == "/apis/batch/v1/jobs"
    assert kube.POD.path("p") == "/api/v1/namespaces/p/pods"
    assert kube.NAMESPACE.path("ignored", "p") == "/api/v1/namespaces/p"
    assert kube.resource_for("Job") is kube.JOB
    assert kube.resource_for(kube.LEASE) is kube.LEASE


def test_gateway_errors_are_typed_from_the_status_body(kube_settings, localkube):
    gateway = kube.control_plane_gateway()
    namespace = localkube.create_namespace("gateway-")
    with pytest.raises(kube.NotFound) as missing:
        gateway.read(kube.CONFIG_MAP, namespace, "absent")
    assert missing.value.details["kubernetes"] == {"code": 404, "reason": "NotFound"}
    assert gateway.get(kube.CONFIG_MAP, namespace, "absent") is None
    created = gateway.create(kube.CONFIG_MAP, namespace, {"metadata": {"name": "cm"}, "data": {"a": "1"}})
    with pytest.raises(kube.AlreadyExists):
        gateway.create(kube.CONFIG_MAP, namespace, {"metadata": {"name": "cm"}})
    gateway.patch(kube.CONFIG_MAP, namespace, "cm", {"data": {"a": "2"}})
    stale = {**created, "data": {"a": "3"}}
    with pytest.raises(kube.Conflict) as raced:
        gateway.replace(kube.CONFIG_MAP, namespace, "cm", stale)
    assert kube.is_write_race(raced.value) and not isinstance(raced.value, kube.AlreadyExists)
    with pytest.raises(kube.Invalid):
        gateway.create(kube.CONFIG_MAP, namespace, {"metadata": {"name": "Not_A_Name"}})


def test_user_gateway_is_refused_by_rbac_and_a_bad_token_is_unauthenticated(kube_settings, localkube):
    token = localkube.create_user("nobody-gateway@example.com")
    with pytest.raises(kube.Forbidden):
        kube.user_gateway(token).list(kube.NAMESPACE)
    with pytest.raises(Unauthenticated):
        kube.user_gateway("not-a-token").list(kube.NAMESPACE)


def test_an_unreachable_api_server_is_unavailable(kube_settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    first_host = kube.api_server_url()
    kube_settings.write_text(kube_settings.read_text().replace(first_host, f"https://127.0.0.1:{closed}"))
    kube.reset()
    with pytest.raises(kube.Unavailable) as unavailable:
        kube.control_plane_gateway().request("GET", "/version", timeout=2)
    assert unavailable.value.status_code == 503


def test_clients_are_reused_per_identity(kube_settings, localkube):
    assert kube.control_plane_gateway().api_client is kube.control_plane_gateway().api_client
    token, other = localkube.create_user("a-gateway@example.com"), localkube.create_user("b-gateway@example.com")
    assert kube.user_gateway(token).api_client is kube.user_gateway(token).api_client
    assert kube.user_gateway(token).api_client is not kube.user_gateway(other).api_client
    before = kube.control_plane_gateway().api_client
    kube.reset()
    assert kube.control_plane_gateway().api_client is not before


def test_retry_on_conflict_stops_after_its_attempts() -> None:
    attempts: list[int] = []

    def always_lose() -> None:
        attempts.append(1)
        raise kube.Conflict("changed", details={"kubernetes": {"code": 409, "reason": "Conflict"}})

    with pytest.raises(kube.Conflict):
        kube.retry_on_conflict(always_lose, deadline_seconds=5, attempts=3)
    assert len(attempts) == 3


def test_an_answer_that_never_came_is_unavailable_and_a_status_body_is_read_once():
    assert isinstance(kube.error_from_response(503, b"", "Service Unavailable"), kube.Unavailable)
    body = b'{"kind":"Status","reason":"AlreadyExists","message":"taken","code":409}'
    taken = kube.error_from_response(409, body)
    assert isinstance(taken, kube.AlreadyExists)
    assert (taken.message, taken.status_code) == ("taken", 409)
    assert kube.failure_summary(taken) == "AlreadyExists (409): taken"
