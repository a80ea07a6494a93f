"""Semantic 1: discovery documents, OpenAPI, health, and CRDs appearing at runtime."""

import kubernetes.client
from kubernetes.dynamic import DynamicClient

from localkube.tests.helpers import create_crd, raw_json


def test_version_and_core_discovery(localkube):
    api = localkube.api_client()
    version = kubernetes.client.VersionApi(api).get_code()
    assert version.major == "1" and version.git_version.startswith("v1.")
    core = kubernetes.client.CoreApi(api).get_api_versions()
    assert core.versions == ["v1"]
    resources = {r.name: r for r in kubernetes.client.CoreV1Api(api).get_api_resources().resources}
    assert resources["pods"].namespaced and resources["pods"].kind == "Pod"
    assert "po" in resources["pods"].short_names
    assert {"pods/status", "pods/log", "services/proxy", "serviceaccounts/token"} <= set(resources)
    assert resources["serviceaccounts/token"].kind == "TokenRequest"
    assert not resources["namespaces"].namespaced
    assert set(resources["configmaps"].verbs) >= {"create", "get", "list", "watch", "patch", "update", "delete"}


def test_group_discovery_lists_builtin_groups(localkube):
    api = localkube.api_client()
    groups = {g.name: g for g in kubernetes.client.ApisApi(api).get_api_versions().groups}
    for name in (
        "batch",
        "rbac.authorization.k8s.io",
        "authorization.k8s.io",
        "authentication.k8s.io",
        "coordination.k8s.io",
        "apiextensions.k8s.io",
    ):
        assert groups[name].preferred_version.version == "v1"
    jobs = kubernetes.client.BatchV1Api(api).get_api_resources()
    assert {r.name for r in jobs.resources} >= {"jobs", "jobs/status"}


def test_crd_appears_in_discovery_and_dynamic_client(localkube):
    api = localkube.api_client()
    group, version, plural = create_crd(api, short_names=["wdg"])
    status, body = raw_json(api, "GET", f"/apis/{group}/{version}")
    assert status == 200
    entry = next(r for r in body["resources"] if r["name"] == plural)
    assert entry["kind"] == "Widget" and entry["shortNames"] == ["wdg"] and entry["namespaced"]
    assert any(r["name"] == f"{plural}/status" for r in body["resources"])
    dynamic = DynamicClient(localkube.api_client())
    resource = dynamic.resources.get(api_version=f"{group}/{version}", kind="Widget")
    assert resource.name == plural


def test_openapi_v3_advertises_field_validation_for_crs(localkube):
    api = localkube.api_client()
    group, version, plural = create_crd(api)
    status, root = raw_json(api, "GET", "/openapi/v3")
    assert status == 200
    link = root["paths"][f"apis/{group}/{version}"]["serverRelativeURL"]
    status, document = raw_json(api, "GET", link.split("?")[0])
    assert status == 200
    patch = document["paths"][f"/apis/{group}/{version}/namespaces/{{namespace}}/{plural}/{{name}}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"]["kind"] == "Widget"
    assert "fieldValidation" in {p["name"] for p in patch["parameters"]}
    schemas = document["components"]["schemas"]
    assert any(s.get("x-kubernetes-group-version-kind", [{}])[0].get("kind") == "Widget" for s in schemas.values())
    status, v2 = raw_json(api, "GET", "/openapi/v2")
    assert status == 200 and v2["swagger"] == "2.0"


def test_health_endpoints(localkube):
    api = localkube.api_client()
    for path in ("/healthz", "/readyz", "/livez"):
        response = __import__("localkube.tests.helpers", fromlist=["raw_request"]).raw_request(api, "GET", path)
        assert response.status == 200 and response.read() == b"ok"


def test_crd_with_two_served_versions(localkube, kube_namespace):
    api = localkube.api_client()
    group = "multi.example.com"
    schema = {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}
    kubernetes.client.ApiextensionsV1Api(api).create_custom_resource_definition(
        {
            "metadata": {"name": f"things.{group}"},
            "spec": {
                "group": group,
                "scope": "Namespaced",
                "names": {"plural": "things", "kind": "Thing"},
                "versions": [
                    {"name": "v1beta1", "served": True, "storage": False, "schema": schema},
                    {"name": "v1", "served": True, "storage": True, "schema": schema},
                ],
            },
        }
    )
    objects = kubernetes.client.CustomObjectsApi(api)
    made = objects.create_namespaced_custom_object(
        group,
        "v1beta1",
        kube_namespace,
        "things",
        {"apiVersion": f"{group}/v1beta1", "kind": "Thing", "metadata": {"name": "t"}, "spec": {"any": "thing"}},
    )
    assert made["apiVersion"] == f"{group}/v1beta1"
    read = objects.get_namespaced_custom_object(group, "v1", kube_namespace, "things", "t")
    assert read["apiVersion"] == f"{group}/v1" and read["spec"] == {"any": "thing"}
    status, groups = raw_json(api, "GET", f"/apis/{group}")
    assert groups["preferredVersion"]["version"] == "v1"
    assert [v["version"] for v in groups["versions"]] == ["v1", "v1beta1"]
    kubernetes.client.ApiextensionsV1Api(api).delete_custom_resource_definition(f"things.{group}")
    status, _ = raw_json(api, "GET", f"/apis/{group}/v1/namespaces/{kube_namespace}/things")
    assert status == 404
