"""TokenReview, (Self)SubjectAccessReview, rules reviews and TokenRequest: shapes and validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from localkube.auth import Authenticator, AuthError, RBACAuthorizer, reviews
from localkube.auth.constants import DEFAULT_ISSUER
from localkube.auth.tests.support import MemoryReader, rule, user_subject
from localkube.interfaces import UserInfo

ALICE = UserInfo("alice", groups=("dev", "system:authenticated"))
T0 = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def rbac_reader(reader: MemoryReader) -> MemoryReader:
    reader.role("team", "pod-reader", [rule([""], ["pods"], ["get", "list"])])
    reader.role_binding("team", "read-pods", "Role", "pod-reader", [user_subject("alice")])
    reader.service_account("team", "builder")
    return reader


def pods_review(verb: str = "list", namespace: str = "team") -> dict:
    return {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"namespace": namespace, "verb": verb, "resource": "pods", "version": "v1"}},
    }


# --- TokenReview -------------------------------------------------------------------------------


def test_token_review_of_a_static_token(authenticator: Authenticator) -> None:
    authenticator.add_static_token("t", "alice", groups=["dev"], uid="42")
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": "t"}}
    assert reviews.token_review(authenticator, body) == {
        "kind": "TokenReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": {"token": "t"},
        "status": {
            "authenticated": True,
            "user": {"username": "alice", "uid": "42", "groups": ["dev", "system:authenticated"]},
            "audiences": [DEFAULT_ISSUER],
        },
    }


def test_token_review_of_a_service_account_token_for_its_audience(
    authenticator: Authenticator, rbac_reader: MemoryReader
) -> None:
    token, _ = authenticator.issue_service_account_token(
        "team", "builder", audiences=["vault"], expiration_seconds=3600
    )
    status = reviews.token_review(authenticator, {"spec": {"token": token, "audiences": ["vault"]}})["status"]
    assert status["authenticated"] is True
    assert status["audiences"] == ["vault"]
    assert status["user"]["username"] == "system:serviceaccount:team:builder"
    assert status["user"]["groups"][-1] == "system:authenticated"
    assert list(status["user"]["extra"]) == ["authentication.kubernetes.io/credential-id"]


def test_token_review_of_a_bad_token(authenticator: Authenticator) -> None:
    status = reviews.token_review(authenticator, {"spec": {"token": "nope"}})["status"]
    assert status == {"authenticated": False, "user": {}, "error": "invalid bearer token"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"spec": {}}, 400),
        ({}, 400),
        ([], 400),
        ({"kind": "Pod", "spec": {"token": "t"}}, 400),
        ({"spec": {"token": "t", "audiences": "vault"}}, 422),
    ],
)
def test_token_review_rejects_bad_bodies(authenticator: Authenticator, body: object, code: int) -> None:
    with pytest.raises(AuthError) as caught:
        # malformed on purpose: the review must refuse what its Body type would never admit
        reviews.token_review(authenticator, body)  # type: ignore[arg-type]
    assert caught.value.code == code


# --- SelfSubjectAccessReview / SubjectAccessReview ---------------------------------------------


def test_self_subject_access_review_allowed(rbac_reader: MemoryReader) -> None:
    response = reviews.self_subject_access_review(RBACAuthorizer(rbac_reader), ALICE, pods_review())
    assert response == {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": pods_review()["spec"],
        "status": {
            "allowed": True,
            "reason": 'RBAC: allowed by RoleBinding "read-pods/team" of Role "pod-reader" to User "alice"',
        },
    }


def test_self_subject_access_review_denied_has_no_reason(rbac_reader: MemoryReader) -> None:
    response = reviews.self_subject_access_review(RBACAuthorizer(rbac_reader), ALICE, pods_review("delete"))
    assert response["status"] == {"allowed": False}


def test_self_subject_access_review_of_a_path(rbac_reader: MemoryReader) -> None:
    body = {"spec": {"nonResourceAttributes": {"path": "/version", "verb": "get"}}}
    response = reviews.self_subject_access_review(RBACAuthorizer(rbac_reader), ALICE, body)
    assert response["status"]["allowed"] is True
    body = {"spec": {"nonResourceAttributes": {"path": "/metrics", "verb": "get"}}}
    assert reviews.self_subject_access_review(RBACAuthorizer(rbac_reader), ALICE, body)["status"]["allowed"] is False


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"resourceAttributes": {"verb": "get"}, "nonResourceAttributes": {"path": "/x", "verb": "get"}},
        {"resourceAttributes": "pods"},
    ],
)
def test_self_subject_access_review_needs_exactly_one_kind_of_attributes(rbac_reader: MemoryReader, spec: dict) -> None:
    with pytest.raises(AuthError) as caught:
        reviews.self_subject_access_review(RBACAuthorizer(rbac_reader), ALICE, {"spec": spec})
    assert caught.value.code == 422
    assert caught.value.reason == "Invalid"
    assert caught.value.message.startswith('SelfSubjectAccessReview.authorization.k8s.io "" is invalid: ')


def test_subject_access_review_for_a_named_user_and_groups(rbac_reader: MemoryReader) -> None:
    authorizer = RBACAuthorizer(rbac_reader)
    body: dict[str, Any] = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {
            "user": "alice",
            "groups": ["dev"],
            "resourceAttributes": {"namespace": "team", "verb": "get", "resource": "pods", "name": "p"},
        },
    }
    response = reviews.subject_access_review(authorizer, body)
    assert response["kind"] == "SubjectAccessReview"
    assert response["spec"] == body["spec"]
    assert response["status"]["allowed"] is True
    body["spec"]["user"] = "bob"
    assert reviews.subject_access_review(authorizer, body)["status"] == {"allowed": False}
    # The groups are taken as given: system:authenticated is not added for a review.
    path = {"spec": {"user": "bob", "nonResourceAttributes": {"path": "/api", "verb": "get"}}}
    assert reviews.subject_access_review(authorizer, path)["status"]["allowed"] is False
    path["spec"]["groups"] = ["system:authenticated"]
    assert reviews.subject_access_review(authorizer, path)["status"]["allowed"] is True


def test_subject_access_review_needs_a_user_or_group(rbac_reader: MemoryReader) -> None:
    body = {"spec": {"resourceAttributes": {"verb": "get", "resource": "pods"}}}
    with pytest.raises(AuthError) as caught:
        reviews.subject_access_review(RBACAuthorizer(rbac_reader), body)
    assert caught.value.code == 422
    assert "spec.user" in caught.value.message
    assert caught.value.details["causes"][0]["field"] == "spec.user"


def test_local_subject_access_review_is_confined_to_its_namespace(rbac_reader: MemoryReader) -> None:
    authorizer = RBACAuthorizer(rbac_reader)
    body = {"spec": {"user": "alice", "resourceAttributes": {"namespace": "team", "verb": "list", "resource": "pods"}}}
    response = reviews.local_subject_access_review(authorizer, "team", body)
    assert response["status"]["allowed"] is True
    assert response["metadata"]["namespace"] == "team"
    with pytest.raises(AuthError) as caught:
        reviews.local_subject_access_review(authorizer, "other", body)
    assert caught.value.code == 400
    with pytest.raises(AuthError) as caught:
        reviews.local_subject_access_review(
            authorizer, "team", {"spec": {"user": "a", "nonResourceAttributes": {"path": "/", "verb": "get"}}}
        )
    assert caught.value.code == 422


def test_self_subject_rules_review(rbac_reader: MemoryReader) -> None:
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "spec": {"namespace": "team"}}
    status = reviews.self_subject_rules_review(RBACAuthorizer(rbac_reader), ALICE, body)["status"]
    assert {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]} in status["resourceRules"]
    assert any("/api" in entry["nonResourceURLs"] for entry in status["nonResourceRules"])
    assert status["incomplete"] is False


def test_self_subject_rules_review_reports_missing_roles(rbac_reader: MemoryReader) -> None:
    rbac_reader.role_binding("team", "dangling", "Role", "gone", [user_subject("alice")])
    status = reviews.self_subject_rules_review(RBACAuthorizer(rbac_reader), ALICE, {"spec": {"namespace": "team"}})[
        "status"
    ]
    assert status["incomplete"] is True
    assert "gone" in status["evaluationError"]


def test_self_subject_review() -> None:
    assert reviews.self_subject_review(UserInfo("alice", uid="1", groups=("dev",))) == {
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "status": {"userInfo": {"username": "alice", "uid": "1", "groups": ["dev"]}},
    }


# --- TokenRequest ------------------------------------------------------------------------------


def test_token_request_response_and_token(
    authenticator: Authenticator, rbac_reader: MemoryReader, state_dir: Path
) -> None:
    body = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {"audiences": [], "expirationSeconds": 1200},
    }
    response = reviews.token_request(authenticator, rbac_reader, "team", "builder", body, now=T0)
    assert response["kind"] == "TokenRequest"
    assert response["apiVersion"] == "authentication.k8s.io/v1"
    assert response["metadata"] == {"name": "builder", "namespace": "team", "creationTimestamp": None}
    assert response["spec"] == {"audiences": [DEFAULT_ISSUER], "expirationSeconds": 1200, "boundObjectRef": None}
    assert response["status"]["expirationTimestamp"] == "2030-01-01T00:20:00Z"
    clocked = Authenticator(None, state_dir, rbac_reader, clock=lambda: T0 + timedelta(minutes=5))
    user = clocked.authenticate(response["status"]["token"])
    assert user is not None
    assert user.username == "system:serviceaccount:team:builder"


def test_token_request_defaults_to_an_hour(authenticator: Authenticator, rbac_reader: MemoryReader) -> None:
    response = reviews.token_request(authenticator, rbac_reader, "team", "builder", {}, now=T0)
    assert response["spec"]["expirationSeconds"] == 3600
    assert response["status"]["expirationTimestamp"] == "2030-01-01T01:00:00Z"


def test_token_request_bound_to_a_pod(authenticator: Authenticator, rbac_reader: MemoryReader) -> None:
    pod = rbac_reader.put("", "pods", {"metadata": {"namespace": "team", "name": "runner"}})
    body = {"spec": {"boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "runner"}}}
    response = reviews.token_request(authenticator, rbac_reader, "team", "builder", body)
    assert response["spec"]["boundObjectRef"]["uid"] == pod["metadata"]["uid"]
    user = authenticator.authenticate(response["status"]["token"])
    assert user is not None
    assert user.extra["authentication.kubernetes.io/pod-uid"] == [pod["metadata"]["uid"]]
    body["spec"]["boundObjectRef"]["uid"] = "stale"
    with pytest.raises(AuthError) as caught:
        reviews.token_request(authenticator, rbac_reader, "team", "builder", body)
    assert caught.value.code == 409


@pytest.mark.parametrize(
    ("sa_name", "body", "code"),
    [
        ("ghost", {}, 404),
        ("builder", {"spec": {"expirationSeconds": 60}}, 422),
        ("builder", {"spec": {"expirationSeconds": "3600"}}, 400),
        ("builder", {"spec": {"audiences": [1]}}, 422),
        ("builder", {"spec": {"boundObjectRef": {"kind": "Node", "name": "n"}}}, 422),
        ("builder", {"spec": {"boundObjectRef": {"kind": "Pod", "name": "absent"}}}, 404),
        ("builder", {"kind": "TokenReview"}, 400),
    ],
)
def test_token_request_errors(
    authenticator: Authenticator, rbac_reader: MemoryReader, sa_name: str, body: dict, code: int
) -> None:
    with pytest.raises(AuthError) as caught:
        reviews.token_request(authenticator, rbac_reader, "team", sa_name, body)
    assert caught.value.code == code
    assert caught.value.to_status()["code"] == code
    assert caught.value.to_status()["kind"] == "Status"
