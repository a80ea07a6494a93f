"""The seeded fault switch and the request log (test instruments of localkube itself)."""

import kubernetes.client
from kubernetes.client import ApiException

from localkube.tests.helpers import raw_json, raw_watch_lines


def _outcomes(core, namespace, count):
    results = []
    for index in range(count):
        try:
            core.create_namespaced_config_map(namespace, {"metadata": {"generateName": f"f{index}-"}})
            results.append(200)
        except ApiException as error:
            results.append(error.status)
    return results


def test_write_errors_are_seeded_and_deterministic(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    localkube.set_faults(seed=7, write_error_rate=0.5, write_error_codes=[409, 500])
    first = _outcomes(core, kube_namespace, 20)
    localkube.set_faults(seed=7, write_error_rate=0.5, write_error_codes=[409, 500])
    second = _outcomes(core, kube_namespace, 20)
    localkube.reset_faults()
    assert first == second
    assert {409, 500, 200} <= set(first)
    assert core.list_namespaced_config_map(kube_namespace).items is not None  # reads are never failed


def test_faults_over_http_are_admin_only(localkube, kube_namespace):
    api = localkube.api_client()
    status, body = raw_json(api, "PUT", "/localkube/faults", body={"seed": 1, "latency_ms": 1})
    assert status == 200 and body["latency_ms"] == 1
    status, body = raw_json(api, "PUT", "/localkube/faults", body={})
    assert status == 200 and body["latency_ms"] == 0
    stranger = localkube.api_client(localkube.create_user("stranger"))
    status, body = raw_json(stranger, "PUT", "/localkube/faults", body={"write_error_rate": 1})
    assert status == 403


def test_forced_watch_expiry(localkube, kube_namespace):
    api = localkube.api_client()
    core = kubernetes.client.CoreV1Api(api)
    made = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "w"}})
    localkube.set_faults(watch_expire_rate=1.0)
    events = raw_watch_lines(
        api,
        f"/api/v1/namespaces/{kube_namespace}/configmaps",
        [("resourceVersion", made.metadata.resource_version), ("timeoutSeconds", 2)],
        1,
    )
    localkube.reset_faults()
    assert events[0]["type"] == "ERROR" and events[0]["object"]["code"] == 410


def test_request_log_counts_writes_since_a_mark(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    mark = localkube.request_log.mark()
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "a"}})
    core.patch_namespaced_config_map("a", kube_namespace, {"data": {"x": "1"}})
    core.read_namespaced_config_map("a", kube_namespace)
    core.delete_namespaced_config_map("a", kube_namespace)
    mine = [r for r in localkube.request_log.records_since(mark) if kube_namespace in r.path]
    assert [(r.verb, r.code) for r in mine] == [("create", 201), ("patch", 200), ("get", 200), ("delete", 200)]
    assert sum(r.is_write for r in mine) == 3
    status, body = raw_json(localkube.api_client(), "GET", "/localkube/requests", query=[("since", mark)])
    assert status == 200 and body["writes"] >= 3
