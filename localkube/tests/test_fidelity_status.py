"""Error bodies byte for byte as kube-apiserver writes them: ``Status`` field order (kind,
apiVersion, metadata, status, message, reason, details, code), empty detail fields left out (no
``"group": ""`` for core kinds), a trailing newline; and the 404s for resources it does not serve.
"""

from __future__ import annotations

import kubernetes.client

from localkube.tests.wire import STATUS_HEAD, send

UNKNOWN = '"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound",'


def test_not_found_for_a_core_kind_has_no_group(localkube, kube_namespace):
    status, raw = send(localkube, "GET", f"/api/v1/namespaces/{kube_namespace}/secrets/missing")
    assert status == 404
    assert (
        raw
        == (
            STATUS_HEAD + '"status":"Failure","message":"secrets \\"missing\\" not found","reason":"NotFound",'
            '"details":{"name":"missing","kind":"secrets"},"code":404}\n'
        ).encode()
    )


def test_already_exists_names_the_group_of_a_grouped_kind(localkube, kube_namespace):
    path = f"/apis/coordination.k8s.io/v1/namespaces/{kube_namespace}/leases"
    assert send(localkube, "POST", path, {"metadata": {"name": "l"}})[0] == 201
    status, raw = send(localkube, "POST", path, {"metadata": {"name": "l"}})
    assert status == 409
    assert (
        raw
        == (
            STATUS_HEAD + '"status":"Failure","message":"leases.coordination.k8s.io \\"l\\" already exists",'
            '"reason":"AlreadyExists","details":{"name":"l","group":"coordination.k8s.io","kind":"leases"},"code":409}\n'
        ).encode()
    )


def test_forbidden_for_a_core_kind_has_no_group(localkube, kube_namespace):
    token = localkube.create_user("fidelity-nobody")
    status, raw = send(localkube, "GET", f"/api/v1/namespaces/{kube_namespace}/pods", token=token)
    assert status == 403
    assert (
        raw
        == (
            STATUS_HEAD + '"status":"Failure","message":"pods is forbidden: User \\"fidelity-nobody\\" cannot list '
            'resource \\"pods\\" in API group \\"\\" in the namespace \\"' + kube_namespace + '\\"",'
            '"reason":"Forbidden","details":{"kind":"pods"},"code":403}\n'
        ).encode()
    )


def test_unauthorized_status(localkube):
    status, raw = send(localkube, "GET", "/api/v1/namespaces", token="not-a-token")
    assert status == 401
    assert (
        raw
        == (STATUS_HEAD + '"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}\n').encode()
    )


def test_unserved_kind_of_a_kube_group_answers_like_a_route_miss(localkube, kube_namespace):
    """apps/v1 exists on every kube-apiserver; a resource it does not know there gets ``details: {}``."""
    for path in (
        f"/apis/apps/v1/namespaces/{kube_namespace}/deployments",
        f"/apis/apps/v1/namespaces/{kube_namespace}/daemonsets/x",
        f"/api/v1/namespaces/{kube_namespace}/replicationcontrollers",
    ):
        status, raw = send(localkube, "GET", path)
        assert status == 404, path
        assert raw == (STATUS_HEAD + UNKNOWN + '"details":{},"code":404}\n').encode(), path
    status, raw = send(localkube, "POST", f"/apis/apps/v1/namespaces/{kube_namespace}/deployments", {})
    assert status == 404 and raw.endswith(b'"details":{},"code":404}\n')


def test_unknown_group_answers_like_the_last_resort_handler(localkube):
    status, raw = send(localkube, "GET", "/apis/nothing.example.com/v1/widgets")
    assert status == 404
    assert raw == (STATUS_HEAD + UNKNOWN + '"code":404}\n').encode()


def test_kubectl_reports_an_unserved_kind_as_a_real_cluster_does(localkube, kube_namespace):
    api = kubernetes.client.AppsV1Api(localkube.api_client())
    try:
        api.list_namespaced_deployment(kube_namespace)
    except kubernetes.client.ApiException as error:
        assert error.status == 404 and error.reason == "Not Found"
    else:
        raise AssertionError("apps/v1 deployments is not served")


def test_success_bodies_end_with_a_newline(localkube, kube_namespace):
    status, raw = send(localkube, "GET", f"/api/v1/namespaces/{kube_namespace}")
    assert status == 200 and raw.endswith(b"}\n")


def test_method_not_allowed_on_a_create_only_kind(localkube):
    status, raw = send(localkube, "GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
    assert status == 405
    assert (
        raw
        == (
            STATUS_HEAD
            + '"status":"Failure","message":"the server does not allow this method on the requested resource",'
            '"reason":"MethodNotAllowed","details":{},"code":405}\n'
        ).encode()
    )


def test_pretty_json_for_the_pretty_parameter_and_curl(localkube, kube_namespace):
    """Indented as Go's MarshalIndent with two spaces, newline-terminated, like kube-apiserver."""
    status, raw = send(localkube, "GET", f"/api/v1/namespaces/{kube_namespace}/secrets/missing?pretty=true")
    assert status == 404
    assert raw.decode().startswith('{\n  "kind": "Status",\n  "apiVersion": "v1",\n  "metadata": {},\n')
    assert raw.endswith(b'  "code": 404\n}\n')
    status, raw = send(localkube, "GET", f"/api/v1/namespaces/{kube_namespace}?pretty=false")
    assert status == 200 and raw.startswith(b'{"')
