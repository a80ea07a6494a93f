"""Every ``kubectl create <generator>`` for a kind localkube serves works. kubectl's typed clients
send most of these bodies as protobuf; what is stored must be what the same object sent as JSON
gives (no ``generateName: ""`` or other empty fields the protobuf encoder always writes)."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.kubectl

GENERATORS: list[tuple[str, list[str], str]] = [
    # (kind/name to read back, the create arguments, what kubectl prints)
    ("job/j", ["job", "j", "--image=busybox", "--", "echo", "hi"], "job.batch/j created"),
    ("role/r", ["role", "r", "--verb=get,list", "--resource=pods,secrets"], "role.rbac.authorization.k8s.io/r created"),
    ("rolebinding/rb", ["rolebinding", "rb", "--clusterrole=view", "--user=u", "--serviceaccount=ns:sa"], "created"),
    ("service/ci", ["service", "clusterip", "ci", "--tcp=80:8080"], "service/ci created"),
    ("service/np", ["service", "nodeport", "np", "--tcp=80:8080"], "service/np created"),
    ("service/lb", ["service", "loadbalancer", "lb", "--tcp=443:8443"], "service/lb created"),
    ("service/en", ["service", "externalname", "en", "--external-name=example.com"], "service/en created"),
    ("secret/g", ["secret", "generic", "g", "--from-literal=a=b", "--type=Opaque"], "secret/g created"),
    (
        "secret/d",
        ["secret", "docker-registry", "d", "--docker-server=r", "--docker-username=u", "--docker-password=p"],
        "",
    ),
    ("configmap/c", ["configmap", "c", "--from-literal=a=b"], "configmap/c created"),
    ("serviceaccount/sa", ["serviceaccount", "sa"], "serviceaccount/sa created"),
]


def _metadata_keys(obj: dict[str, Any]) -> set[str]:
    return set(obj["metadata"])


@pytest.mark.parametrize(("target", "arguments", "printed"), GENERATORS, ids=[g[0] for g in GENERATORS])
def test_namespaced_generator_creates_the_object(kubectl, target, arguments, printed):
    output = kubectl("create", *arguments)
    assert printed in output
    stored = json.loads(kubectl("get", target, "-o", "json"))
    assert "generateName" not in stored["metadata"], stored["metadata"]
    assert _metadata_keys(stored) <= {
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "generation",
        "labels",
        "annotations",
    }


def test_cluster_scoped_generators(kubectl, kube_namespace):
    role, binding, namespace = f"fid-{kube_namespace}", f"fid-{kube_namespace}", f"{kube_namespace}-made"
    assert "created" in kubectl("create", "clusterrole", role, "--verb=get", "--resource=pods")
    assert "created" in kubectl("create", "clusterrole", f"{role}-agg", "--aggregation-rule=team=core")
    assert "created" in kubectl("create", "clusterrolebinding", binding, f"--clusterrole={role}", "--group=devs")
    assert "created" in kubectl("create", "namespace", namespace)
    stored = json.loads(kubectl("get", "clusterrole", role, "-o", "json"))
    assert stored["rules"] == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]
    aggregated = json.loads(kubectl("get", "clusterrole", f"{role}-agg", "-o", "json"))
    assert aggregated["aggregationRule"] == {"clusterRoleSelectors": [{"matchLabels": {"team": "core"}}]}
    stored = json.loads(kubectl("get", "clusterrolebinding", binding, "-o", "json"))
    assert stored["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "devs"}]
    namespace_obj = json.loads(kubectl("get", "namespace", namespace, "-o", "json"))
    assert "generateName" not in namespace_obj["metadata"]
    for kind, name in (("clusterrolebinding", binding), ("clusterrole", role), ("clusterrole", f"{role}-agg")):
        kubectl("delete", kind, name)
    kubectl("delete", "namespace", namespace, "--wait=false")


def test_protobuf_job_is_stored_as_the_json_job(kubectl):
    """The same generator, once as protobuf (kubectl create) and once as JSON (create -f)."""
    kubectl("create", "job", "proto", "--image=busybox", "--", "sh", "-c", "exit 0")
    manifest = kubectl(
        "create", "job", "json", "--image=busybox", "--dry-run=client", "-o", "json", "--", "sh", "-c", "exit 0"
    )
    kubectl("create", "-f", "-", stdin=manifest)
    proto, plain = (json.loads(kubectl("get", "job", name, "-o", "json")) for name in ("proto", "json"))
    assert _metadata_keys(proto) == _metadata_keys(plain)
    proto_pod, plain_pod = (job["spec"]["template"]["spec"] for job in (proto, plain))
    for container in proto_pod["containers"] + plain_pod["containers"]:
        container.pop("name")
    assert proto_pod == plain_pod
    assert proto_pod["containers"][0]["command"] == ["sh", "-c", "exit 0"]


def test_external_name_service_gets_no_cluster_ip(kubectl):
    kubectl("create", "service", "externalname", "alias", "--external-name=example.com")
    spec = json.loads(kubectl("get", "service", "alias", "-o", "json"))["spec"]
    assert spec["type"] == "ExternalName" and spec["externalName"] == "example.com"
    assert "clusterIP" not in spec and "clusterIPs" not in spec


def test_rolebinding_subjects_and_role_ref(kubectl, kube_namespace):
    kubectl("create", "role", "reader", "--verb=get", "--resource=configmaps", "--resource-name=one")
    kubectl("create", "rolebinding", "readers", "--role=reader", "--user=ann", f"--serviceaccount={kube_namespace}:bot")
    stored = json.loads(kubectl("get", "rolebinding", "readers", "-o", "json"))
    assert stored["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"}
    assert stored["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "ann"},
        {"kind": "ServiceAccount", "name": "bot", "namespace": kube_namespace},
    ]
    role = json.loads(kubectl("get", "role", "reader", "-o", "json"))
    assert role["rules"] == [
        {"apiGroups": [""], "resourceNames": ["one"], "resources": ["configmaps"], "verbs": ["get"]}
    ]


def test_token_duration_is_read_from_the_protobuf_body(kubectl):
    import base64

    kubectl("create", "serviceaccount", "timed")
    token = kubectl("create", "token", "timed", "--duration=2h").strip()
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["exp"] - claims["iat"] == 7200
