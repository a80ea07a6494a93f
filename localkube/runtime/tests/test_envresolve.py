"""Container environment resolution."""

from __future__ import annotations

from typing import Any

import pytest

from localkube.runtime.envresolve import ContainerConfigError, referenced_objects, resolve_env

POD: dict[str, Any] = {
    "metadata": {"name": "p", "namespace": "ns", "uid": "u1", "labels": {"app": "a"}},
    "spec": {"nodeName": "localkube"},
    "status": {"podIP": "127.0.0.1"},
}
SECRETS = {"tok": {"token": "s3cret", "user": "bob", "bad key": "x"}}
CONFIGMAPS = {"cfg": {"MODE": "dev", "LEVEL": "3"}}


def resolve(container: dict[str, Any]) -> dict[str, str]:
    return resolve_env(POD, container, secrets=SECRETS.get, configmaps=CONFIGMAPS.get)


def test_order_and_overrides() -> None:
    env = resolve(
        {
            "envFrom": [{"configMapRef": {"name": "cfg"}}, {"secretRef": {"name": "tok"}, "prefix": "S_"}],
            "env": [
                {"name": "MODE", "value": "prod"},
                {"name": "URL", "value": "http://$(MODE)/$(MISSING)"},
                {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "tok", "key": "token"}}},
                {"name": "LVL", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "LEVEL"}}},
                {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
            ],
        }
    )
    assert env["MODE"] == "prod"
    assert env["URL"] == "http://prod/$(MISSING)"
    assert env["S_token"] == "s3cret" and "S_bad key" not in env
    assert (env["TOKEN"], env["LVL"], env["POD"], env["NS"], env["IP"], env["APP"]) == (
        "s3cret",
        "3",
        "p",
        "ns",
        "127.0.0.1",
        "a",
    )


@pytest.mark.parametrize(
    ("container", "message"),
    [
        (
            {"env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}}]},
            'secret "nope" not found',
        ),
        (
            {"env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "tok", "key": "k"}}}]},
            "couldn't find key k in Secret ns/tok",
        ),
        ({"envFrom": [{"configMapRef": {"name": "nope"}}]}, 'configmap "nope" not found'),
        (
            {"env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}}}]},
            "couldn't find key k in ConfigMap ns/cfg",
        ),
    ],
)
def test_missing_references(container: dict[str, Any], message: str) -> None:
    with pytest.raises(ContainerConfigError, match=message):
        resolve(container)


def test_optional_references_are_skipped() -> None:
    env = resolve(
        {
            "envFrom": [{"secretRef": {"name": "nope", "optional": True}}],
            "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k", "optional": True}}}],
        }
    )
    assert "X" not in env


def test_resource_field_ref_rounds_up() -> None:
    container = {
        "resources": {"limits": {"memory": "1536Mi", "cpu": "500m"}},
        "env": [
            {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Gi"}}},
            {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
        ],
    }
    env = resolve(container)
    assert (env["MEM"], env["CPU"]) == ("2", "1")


def test_referenced_objects() -> None:
    container = {
        "envFrom": [{"secretRef": {"name": "a"}}, {"configMapRef": {"name": "b"}}],
        "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "c", "key": "k"}}}],
    }
    assert referenced_objects(container) == ({"a", "c"}, {"b"})


def test_base_variables_can_be_referenced_but_are_not_returned() -> None:
    container = {"env": [{"name": "PORT", "value": "$(LOCALKUBE_HOST_PORT_8080)"}]}
    env = resolve_env(
        POD, container, secrets=SECRETS.get, configmaps=CONFIGMAPS.get, base={"LOCALKUBE_HOST_PORT_8080": "41000"}
    )
    assert env == {"PORT": "41000"}
