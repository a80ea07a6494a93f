"""Bodies the real Python client sends are accepted, and our responses load into its models.

No HTTP here: the client's own serialiser builds the requests and its own deserialiser (strict
pydantic models) reads the responses, which catches a missing required field before the HTTP tests.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from kubernetes import client

from localkube.auth import Authenticator, AuthError, RBACAuthorizer, reviews
from localkube.auth.tests.support import MemoryReader, rule, user_subject
from localkube.interfaces import UserInfo

ALICE = UserInfo("alice", groups=("system:authenticated",))


@pytest.fixture
def api() -> client.ApiClient:
    return client.ApiClient()


def send(api: client.ApiClient, model: Any) -> dict[str, Any]:
    return json.loads(json.dumps(api.sanitize_for_serialization(model)))


def receive(api: client.ApiClient, body: dict[str, Any], model_name: str) -> Any:
    return api.deserialize(json.dumps(body), model_name, "application/json")


@pytest.fixture
def seeded(reader: MemoryReader) -> MemoryReader:
    reader.role("team", "pod-reader", [rule([""], ["pods"], ["list"])])
    reader.role_binding("team", "read-pods", "Role", "pod-reader", [user_subject("alice")])
    reader.service_account("team", "builder")
    return reader


def test_self_subject_access_review_round_trip(api: client.ApiClient, seeded: MemoryReader) -> None:
    request = client.V1SelfSubjectAccessReview(
        spec=client.V1SelfSubjectAccessReviewSpec(
            resource_attributes=client.V1ResourceAttributes(namespace="team", verb="list", resource="pods")
        )
    )
    response = reviews.self_subject_access_review(RBACAuthorizer(seeded), ALICE, send(api, request))
    loaded = receive(api, response, "V1SelfSubjectAccessReview")
    assert loaded.status.allowed is True
    assert loaded.status.reason.startswith("RBAC: allowed by RoleBinding")
    assert loaded.spec.resource_attributes.resource == "pods"


def test_subject_access_review_round_trip(api: client.ApiClient, seeded: MemoryReader) -> None:
    request = client.V1SubjectAccessReview(
        spec=client.V1SubjectAccessReviewSpec(
            user="bob", non_resource_attributes=client.V1NonResourceAttributes(path="/api", verb="get")
        )
    )
    loaded = receive(
        api, reviews.subject_access_review(RBACAuthorizer(seeded), send(api, request)), "V1SubjectAccessReview"
    )
    assert loaded.status.allowed is False


def test_self_subject_rules_review_round_trip(api: client.ApiClient, seeded: MemoryReader) -> None:
    request = client.V1SelfSubjectRulesReview(spec=client.V1SelfSubjectRulesReviewSpec(namespace="team"))
    response = reviews.self_subject_rules_review(RBACAuthorizer(seeded), ALICE, send(api, request))
    loaded = receive(api, response, "V1SelfSubjectRulesReview")
    assert any(r.resources == ["pods"] for r in loaded.status.resource_rules)


def test_self_subject_review_round_trip(api: client.ApiClient) -> None:
    loaded = receive(api, reviews.self_subject_review(ALICE), "V1SelfSubjectReview")
    assert loaded.status.user_info.username == "alice"


def test_token_request_and_token_review_round_trip(
    api: client.ApiClient, authenticator: Authenticator, seeded: MemoryReader
) -> None:
    request = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=1200))
    response = reviews.token_request(authenticator, seeded, "team", "builder", send(api, request))
    issued = receive(api, response, "AuthenticationV1TokenRequest")
    assert issued.status.expiration_timestamp > datetime.now(UTC)

    review = client.V1TokenReview(spec=client.V1TokenReviewSpec(token=issued.status.token))
    loaded = receive(api, reviews.token_review(authenticator, send(api, review)), "V1TokenReview")
    assert loaded.status.authenticated is True
    assert loaded.status.user.username == "system:serviceaccount:team:builder"

    bad = client.V1TokenReview(spec=client.V1TokenReviewSpec(token="nope"))
    rejected = receive(api, reviews.token_review(authenticator, send(api, bad)), "V1TokenReview")
    assert rejected.status.authenticated is False
    assert rejected.status.error == "invalid bearer token"


def test_error_status_loads_as_a_client_status(api: client.ApiClient, authenticator: Authenticator) -> None:
    with pytest.raises(AuthError) as caught:
        authenticator.issue_service_account_token("team", "ghost")
    loaded = receive(api, caught.value.to_status(), "V1Status")
    assert (loaded.code, loaded.reason) == (404, "NotFound")
