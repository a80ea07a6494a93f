"""403/401 wording, which clients show to users and which must read exactly as kube's."""

from __future__ import annotations

import pytest

from localkube.auth import forbidden_message, forbidden_status, unauthorized_status
from localkube.interfaces import RequestAttributes, UserInfo

U = UserInfo("u")


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        (
            RequestAttributes(user=U, verb="list", resource="pods", namespace="ns"),
            'User "u" cannot list resource "pods" in API group "" in the namespace "ns"',
        ),
        (
            RequestAttributes(user=U, verb="list", resource="namespaces"),
            'User "u" cannot list resource "namespaces" in API group "" at the cluster scope',
        ),
        (
            RequestAttributes(user=U, verb="get", resource="pods", subresource="log", namespace="ns", name="p"),
            'User "u" cannot get resource "pods/log" in API group "" in the namespace "ns"',
        ),
        (
            RequestAttributes(user=U, verb="create", api_group="batch", resource="jobs", namespace="ns"),
            'User "u" cannot create resource "jobs" in API group "batch" in the namespace "ns"',
        ),
        (
            RequestAttributes(user=U, verb="get", path="/metrics", resource_request=False),
            'User "u" cannot get path "/metrics"',
        ),
    ],
)
def test_forbidden_message(attrs: RequestAttributes, message: str) -> None:
    assert forbidden_message(attrs) == message


def test_forbidden_status_for_a_named_resource() -> None:
    attrs = RequestAttributes(user=U, verb="get", api_group="batch", resource="jobs", namespace="ns", name="j")
    assert forbidden_status(attrs) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'jobs.batch "j" is forbidden: User "u" cannot get resource "jobs" in API group "batch" '
        'in the namespace "ns"',
        "reason": "Forbidden",
        "details": {"name": "j", "group": "batch", "kind": "jobs"},
        "code": 403,
    }


def test_forbidden_status_for_a_collection_with_a_reason() -> None:
    attrs = RequestAttributes(user=U, verb="list", resource="pods", namespace="ns")
    status = forbidden_status(attrs, 'RBAC: role.rbac.authorization.k8s.io "r" not found')
    assert status["message"] == (
        'pods is forbidden: User "u" cannot list resource "pods" in API group "" in the namespace "ns": '
        'RBAC: role.rbac.authorization.k8s.io "r" not found'
    )
    assert status["details"] == {"kind": "pods"}


def test_forbidden_status_for_a_path() -> None:
    status = forbidden_status(RequestAttributes(user=U, verb="get", path="/metrics", resource_request=False))
    assert status["message"] == 'forbidden: User "u" cannot get path "/metrics"'
    assert "details" not in status


def test_unauthorized_status() -> None:
    assert unauthorized_status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
