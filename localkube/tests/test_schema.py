"""Semantic 8: structural schema — pruning, defaulting, types, enums, required, nullable."""

import kubernetes.client
import pytest
from kubernetes.client import ApiException

from localkube.tests.helpers import create_crd, raw_json, status_body, widget


@pytest.fixture
def widgets(localkube):
    api = localkube.api_client()
    group, version, plural = create_crd(api)
    return kubernetes.client.CustomObjectsApi(api), group, version, plural


def test_unknown_fields_are_pruned_and_defaults_applied(widgets, kube_namespace):
    objects, group, version, plural = widgets
    body = widget("p", group, junk=True, config={"free": {"form": 1}}, items=[{"name": "a", "extra": 1}], port="http")
    body["topLevelJunk"] = 1
    body["metadata"]["labels"] = {"kept": "yes"}
    created = objects.create_namespaced_custom_object(group, version, kube_namespace, plural, body)
    assert "junk" not in created["spec"] and "topLevelJunk" not in created
    assert created["spec"]["replicas"] == 1  # default
    assert created["spec"]["config"] == {"free": {"form": 1}}  # x-kubernetes-preserve-unknown-fields
    assert created["spec"]["items"] == [{"name": "a"}]
    assert created["spec"]["port"] == "http"  # int-or-string
    assert created["metadata"]["labels"] == {"kept": "yes"}  # metadata is never pruned


@pytest.mark.parametrize(
    ("spec", "field", "reason"),
    [
        ({"size": "huge"}, "spec.size", "FieldValueNotSupported"),
        ({}, "spec.size", "FieldValueRequired"),
        ({"size": "small", "replicas": "three"}, "spec.replicas", "FieldValueInvalid"),
        ({"size": "small", "replicas": -1}, "spec.replicas", "FieldValueInvalid"),
        ({"size": "small", "port": 1.5}, "spec.port", "FieldValueInvalid"),
        ({"size": "small", "labels": {"a": 1}}, "spec.labels.a", "FieldValueInvalid"),
    ],
)
def test_invalid_values_are_422_with_field_path(widgets, kube_namespace, spec, field, reason):
    objects, group, version, plural = widgets
    body = {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "bad"}, "spec": spec}
    with pytest.raises(ApiException) as error:
        objects.create_namespaced_custom_object(group, version, kube_namespace, plural, body)
    status = status_body(error.value)
    assert error.value.status == 422 and status["reason"] == "Invalid"
    assert (field, reason) in [(c["field"], c["reason"]) for c in status["details"]["causes"]]
    assert f'Widget.{group} "bad" is invalid: {field}' in status["message"]


def test_nullable_field_keeps_null_and_non_nullable_null_is_dropped(widgets, kube_namespace):
    objects, group, version, plural = widgets
    created = objects.create_namespaced_custom_object(
        group, version, kube_namespace, plural, widget("n", group, note=None, replicas=None)
    )
    assert created["spec"]["note"] is None
    assert created["spec"]["replicas"] == 1  # null dropped, then defaulted


def test_updates_are_validated_too(widgets, kube_namespace):
    objects, group, version, plural = widgets
    objects.create_namespaced_custom_object(group, version, kube_namespace, plural, widget("u", group))
    with pytest.raises(ApiException) as error:
        objects.patch_namespaced_custom_object(
            group, version, kube_namespace, plural, "u", {"spec": {"size": "medium"}}
        )
    assert error.value.status == 422


def test_strict_field_validation_rejects_unknown_fields(localkube, widgets, kube_namespace):
    objects, group, version, plural = widgets
    status, body = raw_json(
        localkube.api_client(),
        "POST",
        f"/apis/{group}/{version}/namespaces/{kube_namespace}/{plural}",
        query=[("fieldValidation", "Strict")],
        body=widget("s", group, bogus=1),
    )
    assert status == 400 and 'unknown field "spec.bogus"' in body["message"]


def test_list_type_map_rejects_duplicate_keys(localkube, kube_namespace):
    schema = {
        "type": "object",
        "properties": {
            "status": {
                "type": "object",
                "properties": {
                    "conditions": {
                        "type": "array",
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["type"],
                        "items": {
                            "type": "object",
                            "properties": {"type": {"type": "string"}, "status": {"type": "string"}},
                        },
                    }
                },
            }
        },
    }
    api = localkube.api_client()
    group, version, plural = create_crd(api, schema=schema)
    objects = kubernetes.client.CustomObjectsApi(api)
    objects.create_namespaced_custom_object(
        group,
        version,
        kube_namespace,
        plural,
        {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "m"}},
    )
    duplicate = {"status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Ready", "status": "False"}]}}
    with pytest.raises(ApiException) as error:
        objects.patch_namespaced_custom_object_status(group, version, kube_namespace, plural, "m", duplicate)
    causes = status_body(error.value)["details"]["causes"]
    assert error.value.status == 422 and causes[0]["field"] == "status.conditions[1]"
    assert causes[0]["reason"] == "FieldValueDuplicate"
