"""Semantic 12 as the core wires it: 401 without a token, 403 Kubernetes-style, RBAC grants,
review kinds answered and never stored, TokenRequest tokens usable as credentials."""

import kubernetes.client
import pytest
from kubernetes.client import ApiException

from localkube.tests.helpers import raw_json, status_body


def test_anonymous_is_401(localkube):
    configuration = kubernetes.client.Configuration()
    configuration.host = localkube.url
    configuration.ssl_ca_cert = str(localkube.ca_file)
    core = kubernetes.client.CoreV1Api(kubernetes.client.ApiClient(configuration))
    with pytest.raises(ApiException) as error:
        core.list_namespace()
    assert error.value.status == 401 and status_body(error.value)["reason"] == "Unauthorized"


def test_forbidden_message_then_rolebinding_grants(localkube, kube_namespace):
    token = localkube.create_user("alice", groups=["devs"])
    alice = kubernetes.client.CoreV1Api(localkube.api_client(token))
    with pytest.raises(ApiException) as error:
        alice.list_namespaced_pod(kube_namespace)
    body = status_body(error.value)
    assert error.value.status == 403
    assert (
        f'User "alice" cannot list resource "pods" in API group "" in the namespace "{kube_namespace}"'
        in body["message"]
    )
    rbac = kubernetes.client.RbacAuthorizationV1Api(localkube.api_client())
    rbac.create_namespaced_role(
        kube_namespace,
        {
            "metadata": {"name": "pod-reader"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}],
        },
    )
    rbac.create_namespaced_role_binding(
        kube_namespace,
        {
            "metadata": {"name": "devs-read"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
            "subjects": [{"kind": "Group", "name": "devs", "apiGroup": "rbac.authorization.k8s.io"}],
        },
    )
    assert alice.list_namespaced_pod(kube_namespace).items == []
    with pytest.raises(ApiException) as error:
        alice.create_namespaced_pod(kube_namespace, {"metadata": {"name": "x"}, "spec": {"containers": []}})
    assert error.value.status == 403
    # discovery is open to every authenticated user
    assert kubernetes.client.CoreV1Api(localkube.api_client(token)).get_api_resources().resources


def test_self_subject_access_review(localkube, kube_namespace):
    token = localkube.create_user("bob")
    review = kubernetes.client.AuthorizationV1Api(localkube.api_client(token)).create_self_subject_access_review(
        {"spec": {"resourceAttributes": {"namespace": kube_namespace, "verb": "list", "resource": "pods"}}}
    )
    assert review.status.allowed is False
    admin = kubernetes.client.AuthorizationV1Api(localkube.api_client()).create_self_subject_access_review(
        {"spec": {"resourceAttributes": {"namespace": kube_namespace, "verb": "delete", "resource": "pods"}}}
    )
    assert admin.status.allowed is True
    status, _ = raw_json(localkube.api_client(), "GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
    assert status in (404, 405)


def test_token_request_issues_a_working_token(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    core.create_namespaced_service_account(kube_namespace, {"metadata": {"name": "robot"}})
    issued = core.create_namespaced_service_account_token(
        "robot", kube_namespace, {"spec": {"expirationSeconds": 3600}}
    )
    token = issued.status.token
    review = kubernetes.client.AuthenticationV1Api(localkube.api_client()).create_token_review(
        {"spec": {"token": token}}
    )
    assert (
        review.status.authenticated and review.status.user.username == f"system:serviceaccount:{kube_namespace}:robot"
    )
    robot = kubernetes.client.CoreV1Api(localkube.api_client(token))
    with pytest.raises(ApiException) as error:
        robot.list_namespaced_secret(kube_namespace)
    assert error.value.status == 403
    with pytest.raises(ApiException) as error:
        core.create_namespaced_service_account_token("missing", kube_namespace, {"spec": {}})
    assert error.value.status == 404
