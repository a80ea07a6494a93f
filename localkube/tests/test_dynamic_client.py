"""The DynamicClient (discovery-driven) against built-ins and CRDs; dry runs; initial-events watches;
the watch-drop fault."""

import kubernetes.client
import pytest
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ConflictError, NotFoundError

from localkube.tests.helpers import create_crd, raw_watch_lines, widget


def test_dynamic_client_crud_on_custom_resource(localkube, kube_namespace):
    group, version, plural = create_crd(localkube.api_client())
    dynamic = DynamicClient(localkube.api_client())
    widgets = dynamic.resources.get(api_version=f"{group}/{version}", kind="Widget")
    created = widgets.create(body=widget("d", group), namespace=kube_namespace)
    assert created.spec.replicas == 1 and created.metadata.generation == 1
    patched = widgets.patch(
        name="d", namespace=kube_namespace, body={"spec": {"replicas": 2}}, content_type="application/merge-patch+json"
    )
    assert patched.metadata.generation == 2
    status = widgets.status.patch(
        name="d",
        namespace=kube_namespace,
        body={"status": {"phase": "Ok"}},
        content_type="application/merge-patch+json",
    )
    assert status.status.phase == "Ok"
    stale = created.to_dict()
    with pytest.raises(ConflictError):
        widgets.replace(body=stale, namespace=kube_namespace)
    assert [item.metadata.name for item in widgets.get(namespace=kube_namespace).items] == ["d"]
    widgets.delete(name="d", namespace=kube_namespace)
    with pytest.raises(NotFoundError):
        widgets.get(name="d", namespace=kube_namespace)


def test_dynamic_client_builtin_and_watch(localkube, kube_namespace):
    dynamic = DynamicClient(localkube.api_client())
    config_maps = dynamic.resources.get(api_version="v1", kind="ConfigMap")
    made = config_maps.create(body={"metadata": {"name": "dyn"}, "data": {"a": "1"}}, namespace=kube_namespace)
    config_maps.patch(name="dyn", namespace=kube_namespace, body={"data": {"a": "2"}})
    events = list(
        config_maps.watch(namespace=kube_namespace, resource_version=made.metadata.resourceVersion, timeout=1)
    )
    assert [(e["type"], e["object"].data.a) for e in events] == [("MODIFIED", "2")]


def test_dry_run_create_and_patch_persist_nothing(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    dry = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "ghost"}}, dry_run="All")
    assert dry.metadata.name == "ghost" and dry.metadata.uid
    assert core.list_namespaced_config_map(kube_namespace).items == []
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "real"}, "data": {"a": "1"}})
    preview = core.patch_namespaced_config_map("real", kube_namespace, {"data": {"a": "2"}}, dry_run="All")
    assert preview.data == {"a": "2"}
    assert core.read_namespaced_config_map("real", kube_namespace).data == {"a": "1"}


def test_send_initial_events_ends_with_marked_bookmark(localkube, kube_namespace):
    api = localkube.api_client()
    core = kubernetes.client.CoreV1Api(api)
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "one"}})
    events = raw_watch_lines(
        api,
        f"/api/v1/namespaces/{kube_namespace}/configmaps",
        [
            ("sendInitialEvents", "true"),
            ("resourceVersionMatch", "NotOlderThan"),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", 5),
        ],
        max_lines=2,
    )
    assert [e["type"] for e in events] == ["ADDED", "BOOKMARK"]
    assert events[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_watch_drop_fault_cuts_the_stream(localkube, kube_namespace):
    api = localkube.api_client()
    core = kubernetes.client.CoreV1Api(api)
    made = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "d"}})
    for value in ("1", "2", "3"):
        core.patch_namespaced_config_map("d", kube_namespace, {"data": {"v": value}})
    localkube.set_faults(seed=3, watch_drop_rate=1.0)
    try:
        events = raw_watch_lines(
            api,
            f"/api/v1/namespaces/{kube_namespace}/configmaps",
            [("resourceVersion", made.metadata.resource_version), ("timeoutSeconds", 5)],
            10,
        )
    except Exception:  # noqa: BLE001 - a cut connection may surface as a protocol error
        events = []
    finally:
        localkube.reset_faults()
    assert len(events) <= 1
