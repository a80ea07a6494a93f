"""Every error reaches the client as {"error", "code", "details"} with the right status."""

import json
from typing import Any

import pytest
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from ambient import exceptions
from ambient.kube import error_from_response


def _respond_with(exc: Exception):
    class RaisingView(APIView):
        permission_classes = [AllowAny]
        authentication_classes: list = []

        def get(self, request):
            raise exc

    return RaisingView.as_view()(APIRequestFactory().get("/"))


@pytest.mark.parametrize(
    ("error_class", "status", "code"),
    [
        (exceptions.InvalidInput, 400, "invalid_input"),
        (exceptions.Unauthenticated, 401, "unauthenticated"),
        (exceptions.Forbidden, 403, "forbidden"),
        (exceptions.NotFound, 404, "not_found"),
        (exceptions.Conflict, 409, "conflict"),
        (exceptions.Gone, 410, "gone"),
        (exceptions.UpstreamError, 502, "upstream_error"),
        (exceptions.Unavailable, 503, "unavailable"),
    ],
)
def test_application_errors_map_to_status_and_code(error_class, status, code):
    response = _respond_with(error_class("what to fix", details={"field": "x"}))
    assert response.status_code == status
    assert response.data == {"error": "what to fix", "code": code, "details": {"field": "x"}}


def test_a_subclass_instance_may_carry_a_more_specific_code():
    response = _respond_with(exceptions.Conflict("session is running", code="session_running"))
    assert (response.status_code, response.data["code"]) == (409, "session_running")


def _kube_exception(status: int, reason: str, message: str, causes=None) -> exceptions.ApplicationError:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message}
    body["reason"] = reason
    if causes:
        body["details"] = {"causes": causes}
    return error_from_response(status, json.dumps(body).encode(), reason)


@pytest.mark.parametrize(
    ("kube_status", "reason", "status", "code"),
    [
        (401, "Unauthorized", 401, "unauthenticated"),
        (403, "Forbidden", 403, "forbidden"),
        (404, "NotFound", 404, "not_found"),
        (409, "Conflict", 409, "conflict"),
        (422, "Invalid", 400, "invalid_input"),
        (500, "InternalError", 502, "upstream_error"),
    ],
)
def test_kubernetes_api_answers_map_to_client_statuses(kube_status, reason, status, code):
    response = _respond_with(_kube_exception(kube_status, reason, f"kube says {reason}"))
    assert response.status_code == status
    assert response.data["code"] == code
    assert response.data["error"].endswith(f"kube says {reason}")
    assert response.data["details"]["kubernetes"] == {"code": kube_status, "reason": reason}


def test_kubernetes_field_causes_become_field_details():
    causes = [{"field": "spec.timeout", "message": "Invalid value: must be an integer", "reason": "FieldValueInvalid"}]
    response = _respond_with(_kube_exception(422, "Invalid", "AgenticSession is invalid", causes))
    assert response.status_code == 400
    assert response.data["details"]["fields"] == {"spec.timeout": "Invalid value: must be an integer"}


def test_kubernetes_answer_without_a_body_still_maps():
    response = _respond_with(error_from_response(404, b"", "Not Found"))
    assert (response.status_code, response.data["code"], response.data["error"]) == (404, "not_found", "Not Found")


def test_drf_validation_errors_name_each_field():
    class Body(serializers.Serializer):
        name = serializers.CharField(max_length=3)

    body = Body(data={"name": "too long"})
    with pytest.raises(serializers.ValidationError) as raised:
        body.is_valid(raise_exception=True)
    response = _respond_with(raised.value)
    assert response.status_code == 400
    assert response.data["code"] == "invalid_input"
    assert response.data["error"].startswith("Invalid input: name: ")
    assert "name" in response.data["details"]["fields"]


def test_unknown_exceptions_are_left_to_django_as_500():
    with pytest.raises(RuntimeError):
        _respond_with(RuntimeError("bug"))
