"""Semantic 9: label selectors (every operator), field selectors, pagination, all-namespaces lists."""

import kubernetes.client
import pytest
from kubernetes.client import ApiException

LABELS = {
    "a": {"env": "prod", "tier": "web"},
    "b": {"env": "dev", "tier": "web"},
    "c": {"env": "test"},
    "d": {},
}


@pytest.fixture
def labelled(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    for name, labels in LABELS.items():
        core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": name, "labels": labels}})
    return core


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("env=prod", ["a"]),
        ("env==prod", ["a"]),
        ("env!=prod", ["b", "c", "d"]),
        ("env in (prod,dev)", ["a", "b"]),
        ("env notin (prod, dev)", ["c", "d"]),
        ("tier", ["a", "b"]),
        ("!tier", ["c", "d"]),
        ("tier=web,env!=dev", ["a"]),
        ("env in (dev),tier", ["b"]),
    ],
)
def test_label_selector_operators(labelled, kube_namespace, selector, expected):
    items = labelled.list_namespaced_config_map(kube_namespace, label_selector=selector).items
    assert [i.metadata.name for i in items] == expected


def test_bad_label_selector_is_400(labelled, kube_namespace):
    with pytest.raises(ApiException) as error:
        labelled.list_namespaced_config_map(kube_namespace, label_selector="env in prod")
    assert error.value.status == 400


def test_field_selectors_name_and_namespace(labelled, kube_namespace):
    assert [
        i.metadata.name
        for i in labelled.list_namespaced_config_map(kube_namespace, field_selector="metadata.name=b").items
    ] == ["b"]
    assert [
        i.metadata.name
        for i in labelled.list_namespaced_config_map(kube_namespace, field_selector="metadata.name!=b").items
    ] == ["a", "c", "d"]
    everywhere = labelled.list_config_map_for_all_namespaces(field_selector=f"metadata.namespace={kube_namespace}")
    assert sorted(i.metadata.name for i in everywhere.items) == ["a", "b", "c", "d"]
    with pytest.raises(ApiException) as error:
        labelled.list_namespaced_config_map(kube_namespace, field_selector="data.x=1")
    assert error.value.status == 400


def test_event_field_selectors_by_involved_object(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    for name, kind in (("e1", "Pod"), ("e2", "Job")):
        core.create_namespaced_event(
            kube_namespace,
            {
                "metadata": {"name": name},
                "reason": "Test",
                "message": "m",
                "type": "Normal",
                "involvedObject": {"kind": kind, "name": "thing", "namespace": kube_namespace, "uid": f"uid-{name}"},
            },
        )
    items = core.list_namespaced_event(
        kube_namespace,
        field_selector=f"involvedObject.name=thing,involvedObject.kind=Pod,involvedObject.namespace={kube_namespace}",
    ).items
    assert [e.metadata.name for e in items] == ["e1"]
    assert [
        e.metadata.name
        for e in core.list_namespaced_event(kube_namespace, field_selector="involvedObject.uid=uid-e2").items
    ] == ["e2"]


def test_pod_field_selectors(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    core.create_namespaced_pod(
        kube_namespace,
        {
            "metadata": {"name": "p"},
            "spec": {"nodeName": "elsewhere", "containers": [{"name": "c", "image": "localkube.invalid/x:1"}]},
        },
    )
    assert [
        p.metadata.name
        for p in core.list_namespaced_pod(kube_namespace, field_selector="spec.nodeName=elsewhere").items
    ] == ["p"]
    assert core.list_namespaced_pod(kube_namespace, field_selector="status.phase=Running").items == []


def test_pagination_with_limit_and_continue(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    for index in range(7):
        core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": f"cm-{index}"}})
    names, token, pages = [], None, 0
    while True:
        page = core.list_namespaced_config_map(kube_namespace, limit=3, _continue=token)
        names += [i.metadata.name for i in page.items]
        pages += 1
        token = page.metadata._continue
        if not token:
            break
        assert len(page.items) == 3
    assert names == [f"cm-{i}" for i in range(7)] and pages == 3


def test_all_namespaces_list(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    other = localkube.create_namespace("other-")
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "x", "labels": {"mark": kube_namespace}}})
    core.create_namespaced_config_map(other, {"metadata": {"name": "x", "labels": {"mark": kube_namespace}}})
    listing = core.list_config_map_for_all_namespaces(label_selector=f"mark={kube_namespace}")
    assert sorted(i.metadata.namespace for i in listing.items) == sorted([kube_namespace, other])
    assert int(listing.metadata.resource_version) > 0
    core.delete_namespace(other)
