"""Server-side Table output (what ``kubectl get`` renders), including CRD printer columns."""

import kubernetes.client

from localkube.tests.helpers import create_crd, raw_json, widget

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
COLUMNS = [
    {"name": "Size", "type": "string", "jsonPath": ".spec.size"},
    {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
    {"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]


def test_crd_printer_columns(localkube, kube_namespace):
    api = localkube.api_client()
    group, version, plural = create_crd(api, printer_columns=COLUMNS)
    objects = kubernetes.client.CustomObjectsApi(api)
    objects.create_namespaced_custom_object(group, version, kube_namespace, plural, widget("t", group, replicas=3))
    objects.patch_namespaced_custom_object_status(
        group,
        version,
        kube_namespace,
        plural,
        "t",
        {"status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]}},
    )
    status, table = raw_json(
        api, "GET", f"/apis/{group}/{version}/namespaces/{kube_namespace}/{plural}", headers={"Accept": TABLE}
    )
    assert status == 200 and table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Size", "Replicas", "Ready", "Age"]
    cells = table["rows"][0]["cells"]
    assert cells[:4] == ["t", "small", 3, "True"]
    assert cells[4].endswith("s")
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


def test_builtin_pod_and_default_columns(localkube, kube_namespace):
    api = localkube.api_client()
    core = kubernetes.client.CoreV1Api(api)
    core.create_namespaced_pod(
        kube_namespace,
        {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "localkube.invalid/x:1"}]}},
    )
    status, table = raw_json(api, "GET", f"/api/v1/namespaces/{kube_namespace}/pods/p", headers={"Accept": TABLE})
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert table["rows"][0]["cells"][:2] == ["p", "0/1"]
    core.create_namespaced_secret(kube_namespace, {"metadata": {"name": "s"}, "string_data": {"a": "b"}})
    status, table = raw_json(
        api, "GET", f"/api/v1/namespaces/{kube_namespace}/serviceaccounts", headers={"Accept": TABLE}
    )
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Age"]
    assert [r["cells"][0] for r in table["rows"]] == ["default"]
