"""kubectl, the reference client, against localkube: apply, get (tables, -w), describe, annotate,
patch, delete and auth can-i."""

from __future__ import annotations

import json
import subprocess
import textwrap
import threading
import uuid

import pytest

from localkube.tests.helpers import kubectl_binary

pytestmark = pytest.mark.kubectl


@pytest.fixture
def gadget_crd(kubectl):
    group = f"k{uuid.uuid4().hex[:8]}.example.com"
    manifest = textwrap.dedent(f"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: gadgets.{group}
        spec:
          group: {group}
          scope: Namespaced
          names: {{plural: gadgets, singular: gadget, kind: Gadget}}
          versions:
          - name: v1
            served: true
            storage: true
            subresources: {{status: {{}}}}
            additionalPrinterColumns:
            - {{name: Size, type: string, jsonPath: .spec.size}}
            - {{name: Count, type: integer, jsonPath: .spec.count}}
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      size: {{type: string, enum: [small, large]}}
                      count: {{type: integer, default: 1}}
        """)
    assert "created" in kubectl("apply", "-f", "-", stdin=manifest)
    kubectl("wait", "--for=condition=established", f"crd/gadgets.{group}", "--timeout=20s")
    return group


def _gadget(group: str, size: str = "small") -> str:
    return f"apiVersion: {group}/v1\nkind: Gadget\nmetadata:\n  name: g1\nspec:\n  size: {size}\n"


def test_apply_get_and_printer_columns(kubectl, gadget_crd):
    assert "gadget." in kubectl("apply", "-f", "-", stdin=_gadget(gadget_crd))
    assert "unchanged" in kubectl("apply", "-f", "-", stdin=_gadget(gadget_crd))
    assert "configured" in kubectl("apply", "-f", "-", stdin=_gadget(gadget_crd, "large"))
    table = kubectl("get", f"gadgets.{gadget_crd}").splitlines()
    assert table[0].split() == ["NAME", "SIZE", "COUNT"]
    assert table[1].split() == ["g1", "large", "1"]
    obj = json.loads(kubectl("get", f"gadgets.{gadget_crd}", "g1", "-o", "json"))
    assert "kubectl.kubernetes.io/last-applied-configuration" in obj["metadata"]["annotations"]
    explained = kubectl("explain", f"gadgets.{gadget_crd}.spec")
    assert "size" in explained and "count" in explained


def test_apply_invalid_cr_is_rejected(kubectl, gadget_crd):
    output = kubectl("apply", "-f", "-", stdin=_gadget(gadget_crd, "huge"), check=False)
    assert "Unsupported value" in output and "spec.size" in output


def test_annotate_patch_delete(kubectl, gadget_crd):
    kubectl("apply", "-f", "-", stdin=_gadget(gadget_crd))
    resource = f"gadgets.{gadget_crd}"
    assert "annotated" in kubectl("annotate", resource, "g1", "team=core")
    assert "patched" in kubectl("patch", resource, "g1", "--type", "merge", "-p", '{"spec":{"count":5}}')
    obj = json.loads(kubectl("get", resource, "g1", "-o", "json"))
    assert obj["metadata"]["annotations"]["team"] == "core" and obj["spec"]["count"] == 5
    assert "deleted" in kubectl("delete", resource, "g1")
    assert "NotFound" in kubectl("get", resource, "g1", check=False)


def test_get_watch_streams_changes(kubectl, gadget_crd, localkube, kube_namespace):
    kubectl("apply", "-f", "-", stdin=_gadget(gadget_crd))
    binary = kubectl_binary()
    process = subprocess.Popen(
        [
            binary,
            f"--kubeconfig={localkube.kubeconfig_path}",
            "-n",
            kube_namespace,
            "get",
            f"gadgets.{gadget_crd}",
            "-w",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    done = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if len(lines) >= 3:
                break
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        for attempt in range(50):  # bounded: the watch may not be open yet on the first patches
            kubectl(
                "patch",
                f"gadgets.{gadget_crd}",
                "g1",
                "--type",
                "merge",
                "-p",
                json.dumps({"spec": {"count": attempt + 2}}),
            )
            if done.wait(0.2):
                break
        assert done.wait(10), f"kubectl get -w printed only {lines}"
    finally:
        process.kill()
        process.wait(timeout=10)
    assert lines[0].split()[:3] == ["NAME", "SIZE", "COUNT"]
    assert all(line.split()[0] == "g1" for line in lines[1:])


def test_describe_shows_events(kubectl, gadget_crd, kube_namespace):
    kubectl("apply", "-f", "-", stdin=_gadget(gadget_crd))
    obj = json.loads(kubectl("get", f"gadgets.{gadget_crd}", "g1", "-o", "json"))
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "g1.test"},
        "involvedObject": {
            "apiVersion": f"{gadget_crd}/v1",
            "kind": "Gadget",
            "name": "g1",
            "namespace": kube_namespace,
            "uid": obj["metadata"]["uid"],
        },
        "reason": "Reconciled",
        "message": "all good",
        "type": "Normal",
        "source": {"component": "tester"},
        "firstTimestamp": obj["metadata"]["creationTimestamp"],
        "lastTimestamp": obj["metadata"]["creationTimestamp"],
        "count": 1,
    }
    kubectl("create", "-f", "-", stdin=json.dumps(event))
    described = kubectl("describe", f"gadgets.{gadget_crd}", "g1")
    assert "Reconciled" in described and "all good" in described and "tester" in described


def test_builtin_create_commands_and_label_selectors(kubectl):
    kubectl("create", "configmap", "settings", "--from-literal=mode=fast")
    kubectl("create", "secret", "generic", "creds", "--from-literal=password=hunter2")
    kubectl("label", "configmap", "settings", "tier=backend")
    assert kubectl("get", "configmaps", "-l", "tier in (backend)", "-o", "name").strip() == "configmap/settings"
    secret = json.loads(kubectl("get", "secret", "creds", "-o", "json"))
    assert secret["type"] == "Opaque" and secret["data"]["password"] == "aHVudGVyMg=="


def test_auth_can_i(kubectl, localkube):
    assert kubectl("auth", "can-i", "create", "pods").strip() == "yes"
    token = localkube.create_user("carol")
    assert kubectl("auth", "can-i", "create", "pods", token=token, check=False).strip().startswith("no")
