"""Impersonation over HTTPS: `Impersonate-User` / `Impersonate-Group` headers, the `impersonate` verb.

Requests go through urllib3 (the kubernetes client's own HTTP layer) because a request may repeat
`Impersonate-Group`, which the client's header dict cannot. Every answer here is kube-apiserver's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3
from kubernetes import client

from localkube.testing import LocalKube

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

RBAC = "rbac.authorization.k8s.io"
SELF_SUBJECT_REVIEW = "/apis/authentication.k8s.io/v1/selfsubjectreviews"


def send(
    kube: LocalKube, token: str, method: str, path: str, *, user: str = "", groups: tuple[str, ...] = ()
) -> tuple[int, dict[str, Any]]:
    headers = urllib3.HTTPHeaderDict({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    if user:
        headers.add("Impersonate-User", user)
    for group in groups:
        headers.add("Impersonate-Group", group)
    body = None
    if method == "POST" and path == SELF_SUBJECT_REVIEW:
        body = json.dumps({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    with urllib3.PoolManager(ca_certs=str(kube.ca_file)) as pool:
        response = pool.request(method, f"{kube.url}{path}", headers=headers, body=body)
    return response.status, json.loads(response.data or b"{}")


def grant_impersonation(admin: client.ApiClient, user: str, *, resources: list[str], names: list[str] | None) -> None:
    rbac = client.RbacAuthorizationV1Api(admin)
    role = f"impersonator-{user}"
    rbac.create_cluster_role(
        client.V1ClusterRole(
            metadata=client.V1ObjectMeta(name=role),
            rules=[
                client.V1PolicyRule(api_groups=[""], resources=resources, verbs=["impersonate"], resource_names=names)
            ],
        )
    )
    rbac.create_cluster_role_binding(
        client.V1ClusterRoleBinding(
            metadata=client.V1ObjectMeta(name=role),
            role_ref=client.V1RoleRef(api_group=RBAC, kind="ClusterRole", name=role),
            subjects=[client.RbacV1Subject(api_group=RBAC, kind="User", name=user)],
        )
    )


def bind_group_pod_reader(admin: client.ApiClient, namespace: str, group: str) -> None:
    rbac = client.RbacAuthorizationV1Api(admin)
    rbac.create_namespaced_role(
        namespace,
        client.V1Role(
            metadata=client.V1ObjectMeta(name="pod-reader"),
            rules=[client.V1PolicyRule(api_groups=[""], resources=["pods"], verbs=["list"])],
        ),
    )
    rbac.create_namespaced_role_binding(
        namespace,
        client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name="read-pods"),
            role_ref=client.V1RoleRef(api_group=RBAC, kind="Role", name="pod-reader"),
            subjects=[client.RbacV1Subject(api_group=RBAC, kind="Group", name=group)],
        ),
    )


def test_impersonating_without_the_verb_is_forbidden_with_kubes_message(localkube: LocalKube) -> None:
    token = localkube.create_user("plain-requester")
    status, body = send(localkube, token, "POST", SELF_SUBJECT_REVIEW, user="bob")
    assert status == 403
    assert body["reason"] == "Forbidden"
    assert body["message"] == (
        'users "bob" is forbidden: User "plain-requester" cannot impersonate resource "users" '
        'in API group "" at the cluster scope'
    )


def test_the_request_runs_as_the_impersonated_user_and_groups(localkube: LocalKube, kube_namespace: str) -> None:
    admin = localkube.api_client()
    token = localkube.create_user("console-a")
    grant_impersonation(admin, "console-a", resources=["users", "groups"], names=None)

    status, body = send(localkube, token, "POST", SELF_SUBJECT_REVIEW, user="bob", groups=("team-a", "team-b"))
    assert status == 201, body
    assert body["status"]["userInfo"]["username"] == "bob"
    assert body["status"]["userInfo"]["groups"] == ["team-a", "team-b", "system:authenticated"]

    # RBAC decides as bob: his group may list pods, neither he nor the requester may create one.
    pods = f"/api/v1/namespaces/{kube_namespace}/pods"
    assert send(localkube, token, "GET", pods, user="bob", groups=("team-a",))[0] == 403
    bind_group_pod_reader(admin, kube_namespace, "team-a")
    assert send(localkube, token, "GET", pods, user="bob", groups=("team-a",))[0] == 200
    assert send(localkube, token, "GET", pods, user="bob")[0] == 403
    status, body = send(localkube, token, "POST", pods, user="bob", groups=("team-a",))
    assert status == 403
    assert 'User "bob" cannot create resource "pods"' in body["message"]


def test_resource_names_limit_who_may_be_impersonated(localkube: LocalKube) -> None:
    admin = localkube.api_client()
    token = localkube.create_user("console-b")
    grant_impersonation(admin, "console-b", resources=["users"], names=["bob"])
    assert send(localkube, token, "POST", SELF_SUBJECT_REVIEW, user="bob")[0] == 201
    assert send(localkube, token, "POST", SELF_SUBJECT_REVIEW, user="carol")[0] == 403
    # Users only: a group needs its own grant.
    status, body = send(localkube, token, "POST", SELF_SUBJECT_REVIEW, user="bob", groups=("admins",))
    assert status == 403
    assert body["message"].startswith('groups "admins" is forbidden: User "console-b" cannot impersonate')


def test_groups_without_a_user_are_a_bad_request(localkube: LocalKube) -> None:
    status, body = send(localkube, localkube.admin_token, "POST", SELF_SUBJECT_REVIEW, groups=("team-a",))
    assert status == 400
    assert "without impersonating a user" in body["message"]
