"""Request bodies and query strings are read as the schema documents them: a value of the wrong JSON type
is 400 naming the field (never coerced: `{"name": 0}` does not create project "0"), an empty query value
is 400, and the schema carries the name patterns and lengths the API enforces."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import QueryDict
from rest_framework import serializers
from rest_framework.test import APIClient

from ambient.contract import DNS_LABEL_MAX_LENGTH, MAX_SESSION_NAME_LENGTH
from sessions.serializers.strict import JSONBodySerializer, QuerySerializer, json_type_problem
from tests.api.support import client_with, make_project_creator, sessions_url


class _Body(JSONBodySerializer):
    text = serializers.CharField(required=False)
    count = serializers.IntegerField(required=False)
    ratio = serializers.FloatField(required=False)
    flag = serializers.BooleanField(required=False)
    env = serializers.DictField(child=serializers.CharField(), required=False)
    items = serializers.ListField(child=serializers.IntegerField(), required=False)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"text": 0}, "text", "Must be a JSON string, not integer."),
        ({"text": True}, "text", "Must be a JSON string, not a boolean."),
        ({"count": "5"}, "count", "Must be a JSON integer, not string."),
        ({"count": True}, "count", "Must be a JSON integer, not a boolean."),
        ({"ratio": "0.5"}, "ratio", "Must be a JSON number, not string."),
        ({"flag": "true"}, "flag", "Must be a JSON boolean, not string."),
        ({"flag": 1}, "flag", "Must be a JSON boolean, not integer."),
        ({"env": {"A": 1}}, "env", "Each item: must be a JSON string, not integer."),
        ({"env": ["A"]}, "env", "Must be a JSON object, not array."),
        ({"items": [1, "2"]}, "items", "Each item: must be a JSON integer, not string."),
    ],
)
def test_a_value_of_the_wrong_json_type_is_refused_not_coerced(body, field, message):
    serializer = _Body(data=body)
    assert not serializer.is_valid()
    assert serializer.errors[field] == [message]


def test_values_of_the_documented_types_pass():
    body = {"text": "a", "count": 2, "ratio": 1, "flag": False, "env": {"A": "1"}, "items": [1], "text2": 0}
    serializer = _Body(data=body)
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["ratio"] == 1.0


def test_null_is_left_to_the_field():
    assert json_type_problem(serializers.CharField(allow_null=True), None) is None


class _Query(QuerySerializer):
    phase = serializers.ChoiceField(choices=["Running"], required=False)
    search = serializers.CharField(required=False, allow_blank=True)


def test_an_empty_query_value_is_refused_unless_blank_means_something():
    refused = _Query(data={"phase": "", "search": ""})
    assert not refused.is_valid()
    assert list(refused.errors) == ["phase"]
    assert _Query(data={"search": ""}).is_valid()


@pytest.mark.localkube
@pytest.mark.integration
@pytest.mark.django_db
def test_a_number_as_project_name_is_400(django_kube, make_user):
    username, token = make_user()
    make_project_creator(django_kube, username)
    response = client_with(token).post("/api/projects", {"name": 0}, format="json")
    assert response.status_code == 400
    assert response.json()["details"]["fields"]["name"] == ["Must be a JSON string, not integer."]


@pytest.mark.localkube
@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [{"interactive": "true"}, {"timeout": "60"}, {"initialPrompt": 5}, {"environmentVariables": {"A": 1}}],
    ids=["bool-as-string", "int-as-string", "number-as-prompt", "number-in-env"],
)
def test_session_bodies_of_the_wrong_json_types_are_400(admin_client: APIClient, project, body):
    response = admin_client.post(sessions_url(project), body, format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()["details"]["fields"]) == list(body)


@pytest.mark.localkube
@pytest.mark.integration
@pytest.mark.django_db
def test_an_empty_phase_filter_is_400(admin_client: APIClient, project):
    response = admin_client.get(sessions_url(project), {"phase": ""})
    assert response.status_code == 400
    assert "phase" in response.json()["details"]["fields"]


def test_the_schema_documents_name_patterns_lengths_and_the_bad_project_400(client):
    schema = client.get("/api/schema/?format=json").json()
    detail = schema["paths"]["/api/projects/{project}/agentic-sessions/{session}"]["get"]
    parameters = {parameter["name"]: parameter["schema"] for parameter in detail["parameters"]}
    assert parameters["project"]["pattern"] == parameters["session"]["pattern"] == "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
    assert parameters["project"]["maxLength"] == DNS_LABEL_MAX_LENGTH
    assert "400" in detail["responses"]
    components = schema["components"]["schemas"]
    assert components["SessionCreate"]["properties"]["name"]["maxLength"] == MAX_SESSION_NAME_LENGTH
    assert components["ProjectCreate"]["properties"]["name"]["pattern"] == f"^(?:{settings.PROJECT_NAME_PATTERN})$"
    assert components["PhaseEnum"]["enum"]


def test_a_query_parameter_given_twice_is_refused():
    refused = _Query(data=QueryDict("phase=Running&phase=Running"))
    assert not refused.is_valid()
    assert refused.errors["phase"] == ["Given more than once: give it once."]


@pytest.mark.localkube
@pytest.mark.integration
@pytest.mark.django_db
def test_a_json_body_that_is_not_an_object_is_400(admin_client: APIClient, project):
    response = admin_client.post(sessions_url(project), "null", content_type="application/json")
    assert response.status_code == 400
    assert "JSON object" in response.json()["error"]
