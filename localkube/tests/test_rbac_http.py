"""RBAC and token flows over HTTPS with the real kubernetes client against the in-process localkube.

Every assertion here holds against a real kube-apiserver too: status codes, Status bodies and their
messages, and the answers of the review kinds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.client import ApiException

from localkube.testing import LocalKube, present
from localkube.tests.helpers import status_body

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

RBAC = "rbac.authorization.k8s.io"


def bind_pod_reader(admin: client.ApiClient, namespace: str, subject: client.RbacV1Subject) -> None:
    rbac = client.RbacAuthorizationV1Api(admin)
    rbac.create_namespaced_role(
        namespace,
        client.V1Role(
            metadata=client.V1ObjectMeta(name="pod-reader"),
            rules=[client.V1PolicyRule(api_groups=[""], resources=["pods"], verbs=["get", "list", "watch"])],
        ),
    )
    rbac.create_namespaced_role_binding(
        namespace,
        client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name="read-pods"),
            role_ref=client.V1RoleRef(api_group=RBAC, kind="Role", name="pod-reader"),
            subjects=[subject],
        ),
    )


def user(name: str) -> client.RbacV1Subject:
    return client.RbacV1Subject(api_group=RBAC, kind="User", name=name)


def pod(name: str) -> client.V1Pod:
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1PodSpec(containers=[client.V1Container(name="main", image="busybox")]),
    )


def issue_token(admin: client.ApiClient, namespace: str, sa_name: str, audiences: list[str] | None = None) -> str:
    core = client.CoreV1Api(admin)
    core.create_namespaced_service_account(
        namespace, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name=sa_name))
    )
    issued = core.create_namespaced_service_account_token(
        sa_name,
        namespace,
        client.AuthenticationV1TokenRequest(
            spec=client.V1TokenRequestSpec(audiences=audiences or [], expiration_seconds=600)
        ),
    )
    status = present(issued.status, "the TokenRequest status")
    assert status.expiration_timestamp is not None
    return present(status.token, "the issued token")


@pytest.fixture
def admin(localkube: LocalKube) -> client.ApiClient:
    return localkube.api_client()


def test_request_without_a_token_is_401(localkube: LocalKube) -> None:
    configuration = client.Configuration(host=localkube.url, ssl_ca_cert=str(localkube.ca_file))
    with pytest.raises(ApiException) as caught:
        client.CoreV1Api(client.ApiClient(configuration)).list_namespace()
    assert caught.value.status == 401
    body = status_body(caught.value)
    assert (body["status"], body["reason"], body["message"], body["code"]) == (
        "Failure",
        "Unauthorized",
        "Unauthorized",
        401,
    )


def test_request_with_an_unknown_token_is_401(localkube: LocalKube, kube_namespace: str) -> None:
    with pytest.raises(ApiException) as caught:
        client.CoreV1Api(localkube.api_client("not-a-token")).list_namespaced_pod(kube_namespace)
    assert caught.value.status == 401


def test_role_binding_allows_its_rules_and_nothing_else(
    localkube: LocalKube, admin: client.ApiClient, kube_namespace: str
) -> None:
    core = client.CoreV1Api(localkube.api_client(localkube.create_user("alice")))
    with pytest.raises(ApiException) as before:
        core.list_namespaced_pod(kube_namespace)
    assert before.value.status == 403

    bind_pod_reader(admin, kube_namespace, user("alice"))
    assert core.list_namespaced_pod(kube_namespace).items == []

    with pytest.raises(ApiException) as create:
        core.create_namespaced_pod(kube_namespace, pod("p"))
    assert create.value.status == 403
    body = status_body(create.value)
    assert (body["status"], body["reason"], body["code"]) == ("Failure", "Forbidden", 403)
    assert body["message"] == (
        f'pods is forbidden: User "alice" cannot create resource "pods" in API group "" '
        f'in the namespace "{kube_namespace}"'
    )
    assert body["details"]["kind"] == "pods"

    with pytest.raises(ApiException) as secret:
        core.read_namespaced_secret("db", kube_namespace)
    assert status_body(secret.value)["message"] == (
        f'secrets "db" is forbidden: User "alice" cannot get resource "secrets" in API group "" '
        f'in the namespace "{kube_namespace}"'
    )

    with pytest.raises(ApiException) as log:
        core.read_namespaced_pod_log("p", kube_namespace)
    assert status_body(log.value)["message"] == (
        f'pods "p" is forbidden: User "alice" cannot get resource "pods/log" in API group "" '
        f'in the namespace "{kube_namespace}"'
    )

    # A RoleBinding never grants the cluster-scope list across namespaces.
    with pytest.raises(ApiException) as everywhere:
        core.list_pod_for_all_namespaces()
    assert status_body(everywhere.value)["message"] == (
        'pods is forbidden: User "alice" cannot list resource "pods" in API group "" at the cluster scope'
    )


def test_group_subject(localkube: LocalKube, admin: client.ApiClient, kube_namespace: str) -> None:
    token = localkube.create_user("dana", groups=["developers"])
    bind_pod_reader(admin, kube_namespace, client.RbacV1Subject(api_group=RBAC, kind="Group", name="developers"))
    assert client.CoreV1Api(localkube.api_client(token)).list_namespaced_pod(kube_namespace).items == []


def test_cluster_role_edit_via_role_binding(localkube: LocalKube, admin: client.ApiClient, kube_namespace: str) -> None:
    erin = localkube.api_client(localkube.create_user("erin"))
    core = client.CoreV1Api(erin)
    client.RbacAuthorizationV1Api(admin).create_namespaced_role_binding(
        kube_namespace,
        client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name="erin-edit"),
            role_ref=client.V1RoleRef(api_group=RBAC, kind="ClusterRole", name="edit"),
            subjects=[user("erin")],
        ),
    )
    # The bootstrap "edit" role aggregates its rules from system:aggregate-to-edit and view.
    core.create_namespaced_config_map(kube_namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c")))
    listed = core.list_namespaced_config_map(kube_namespace).items
    assert [present(item.metadata, "metadata").name for item in listed] == ["c"]
    with pytest.raises(ApiException) as caught:
        client.RbacAuthorizationV1Api(erin).list_namespaced_role(kube_namespace)
    assert caught.value.status == 403


def test_self_subject_access_review(localkube: LocalKube, admin: client.ApiClient, kube_namespace: str) -> None:
    authorization = client.AuthorizationV1Api(localkube.api_client(localkube.create_user("frank")))
    bind_pod_reader(admin, kube_namespace, user("frank"))

    def review(verb: str) -> client.V1SubjectAccessReviewStatus:
        body = client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(
                resource_attributes=client.V1ResourceAttributes(namespace=kube_namespace, verb=verb, resource="pods")
            )
        )
        return present(authorization.create_self_subject_access_review(body).status, "the review status")

    allowed = review("list")
    assert allowed.allowed is True
    assert allowed.reason == (
        f'RBAC: allowed by RoleBinding "read-pods/{kube_namespace}" of Role "pod-reader" to User "frank"'
    )
    assert review("delete").allowed is False


def test_subject_access_review_needs_permission(
    localkube: LocalKube, admin: client.ApiClient, kube_namespace: str
) -> None:
    grace = client.AuthorizationV1Api(localkube.api_client(localkube.create_user("grace")))
    bind_pod_reader(admin, kube_namespace, user("grace"))
    body = client.V1SubjectAccessReview(
        spec=client.V1SubjectAccessReviewSpec(
            user="grace",
            resource_attributes=client.V1ResourceAttributes(
                namespace=kube_namespace, verb="get", resource="pods", name="p"
            ),
        )
    )
    reviewed = client.AuthorizationV1Api(admin).create_subject_access_review(body)
    assert present(reviewed.status, "the review status").allowed is True
    with pytest.raises(ApiException) as caught:
        grace.create_subject_access_review(body)
    assert caught.value.status == 403


def test_token_request_token_works_and_is_reviewed(
    localkube: LocalKube, admin: client.ApiClient, kube_namespace: str
) -> None:
    token = issue_token(admin, kube_namespace, "builder")
    bind_pod_reader(
        admin, kube_namespace, client.RbacV1Subject(kind="ServiceAccount", name="builder", namespace=kube_namespace)
    )

    as_builder = client.CoreV1Api(localkube.api_client(token))
    assert as_builder.list_namespaced_pod(kube_namespace).items == []
    with pytest.raises(ApiException) as denied:
        as_builder.create_namespaced_pod(kube_namespace, pod("p"))
    assert status_body(denied.value)["message"] == (
        f'pods is forbidden: User "system:serviceaccount:{kube_namespace}:builder" cannot create resource "pods" '
        f'in API group "" in the namespace "{kube_namespace}"'
    )

    authentication = client.AuthenticationV1Api(admin)
    review = authentication.create_token_review(client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token)))
    reviewed = present(review.status, "the review status")
    assert reviewed.authenticated is True
    reviewed_user = present(reviewed.user, "the reviewed user")
    assert reviewed_user.username == f"system:serviceaccount:{kube_namespace}:builder"
    assert set(reviewed_user.groups or []) == {
        "system:serviceaccounts",
        f"system:serviceaccounts:{kube_namespace}",
        "system:authenticated",
    }
    bad = authentication.create_token_review(client.V1TokenReview(spec=client.V1TokenReviewSpec(token="nope")))
    refused = present(bad.status, "the review status")
    assert refused.authenticated is False
    assert refused.error

    # Deleting the ServiceAccount revokes its tokens at once.
    client.CoreV1Api(admin).delete_namespaced_service_account("builder", kube_namespace)
    with pytest.raises(ApiException) as revoked:
        as_builder.list_namespaced_pod(kube_namespace)
    assert revoked.value.status == 401


def test_token_request_for_a_missing_service_account_is_404(admin: client.ApiClient, kube_namespace: str) -> None:
    with pytest.raises(ApiException) as caught:
        client.CoreV1Api(admin).create_namespaced_service_account_token(
            "ghost", kube_namespace, client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[]))
        )
    assert caught.value.status == 404
    assert status_body(caught.value)["reason"] == "NotFound"


def test_token_for_a_foreign_audience_is_refused_by_the_api_but_reviewable(
    localkube: LocalKube, admin: client.ApiClient, kube_namespace: str
) -> None:
    token = issue_token(admin, kube_namespace, "vaulted", audiences=["vault"])
    with pytest.raises(ApiException) as caught:
        client.CoreV1Api(localkube.api_client(token)).list_namespaced_pod(kube_namespace)
    assert caught.value.status == 401
    review = client.AuthenticationV1Api(admin).create_token_review(
        client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token, audiences=["vault"]))
    )
    reviewed = present(review.status, "the review status")
    assert reviewed.authenticated is True
    assert reviewed.audiences == ["vault"]


def test_every_authenticated_user_gets_discovery_and_can_i(localkube: LocalKube) -> None:
    nobody = localkube.api_client(localkube.create_user("nobody"))
    assert client.VersionApi(nobody).get_code().git_version
    assert client.CoreApi(nobody).get_api_versions().versions == ["v1"]
    body = client.V1SelfSubjectAccessReview(
        spec=client.V1SelfSubjectAccessReviewSpec(
            non_resource_attributes=client.V1NonResourceAttributes(path="/apis", verb="get")
        )
    )
    reviewed = client.AuthorizationV1Api(nobody).create_self_subject_access_review(body)
    assert present(reviewed.status, "the review status").allowed is True


@pytest.fixture(scope="module")
def kube_with_tokens_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalKube, Path]]:
    tokens_file = tmp_path_factory.mktemp("tokens") / "tokens.csv"
    tokens_file.write_text('first-token,first,first-uid,"readers"\n', encoding="utf-8")
    with LocalKube(tokens_file=tokens_file, controllers=[]) as kube:
        yield kube, tokens_file


def test_tokens_file_users_and_reload_while_serving(kube_with_tokens_file: tuple[LocalKube, Path]) -> None:
    kube, tokens_file = kube_with_tokens_file
    namespace = kube.create_namespace("tokens-")
    admin = kube.api_client()
    bind_pod_reader(admin, namespace, client.RbacV1Subject(api_group=RBAC, kind="Group", name="readers"))
    assert client.CoreV1Api(kube.api_client("first-token")).list_namespaced_pod(namespace).items == []

    with pytest.raises(ApiException) as unknown:
        client.CoreV1Api(kube.api_client("second-token")).list_namespaced_pod(namespace)
    assert unknown.value.status == 401
    with tokens_file.open("a", encoding="utf-8") as handle:
        handle.write('second-token,second,second-uid,"readers"\n')
    assert client.CoreV1Api(kube.api_client("second-token")).list_namespaced_pod(namespace).items == []


def test_service_account_token_survives_a_restart(kube_with_tokens_file: tuple[LocalKube, Path]) -> None:
    kube, _tokens_file = kube_with_tokens_file
    namespace = kube.create_namespace("restart-")
    admin = kube.api_client()
    token = issue_token(admin, namespace, "survivor")
    bind_pod_reader(admin, namespace, client.RbacV1Subject(kind="ServiceAccount", name="survivor", namespace=namespace))

    kube.restart()
    assert client.CoreV1Api(kube.api_client(token)).list_namespaced_pod(namespace).items == []
