"""Semantic 10: watch — ordered resume from a resourceVersion, 410 for expired history, BOOKMARKs,
timeoutSeconds, selector transitions."""

import kubernetes.client
import pytest
from kubernetes import watch
from kubernetes.client import ApiException

from localkube.testing import LocalKube
from localkube.tests.helpers import create_crd, raw_watch_lines, watch_until_added, widget


def test_resume_delivers_every_change_in_order(localkube, kube_namespace):
    api = localkube.api_client()
    core = kubernetes.client.CoreV1Api(api)
    start = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "w"}})
    rv = start.metadata.resource_version
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "v"}})
    for value in ("1", "2", "3"):
        core.patch_namespaced_config_map("w", kube_namespace, {"data": {"k": value}})
    core.delete_namespaced_config_map("v", kube_namespace)
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "zz-end"}})
    events = watch_until_added(core.list_namespaced_config_map, kube_namespace, resource_version=rv, sentinel="zz-end")
    seen = [(e["type"], e["object"].metadata.name, (e["object"].data or {}).get("k")) for e in events]
    assert seen == [
        ("ADDED", "v", None),
        ("MODIFIED", "w", "1"),
        ("MODIFIED", "w", "2"),
        ("MODIFIED", "w", "3"),
        ("DELETED", "v", None),
    ]


def test_watch_without_resource_version_starts_with_current_state(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "now"}})
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "zz-end"}})
    # "zz-end" is the last of the current objects by name and by creation: "now" and nothing else
    # comes before its ADDED.
    events = watch_until_added(core.list_namespaced_config_map, kube_namespace, sentinel="zz-end")
    assert [(e["type"], e["object"].metadata.name) for e in events] == [("ADDED", "now")]


def test_expired_resource_version_is_410():
    with LocalKube(watch_history=5, controllers=[]) as kube:
        core = kubernetes.client.CoreV1Api(kube.api_client())
        namespace = kube.create_namespace("expire-")
        first = core.create_namespaced_config_map(namespace, {"metadata": {"name": "a"}})
        for index in range(10):
            core.patch_namespaced_config_map("a", namespace, {"data": {"i": str(index)}})
        events = raw_watch_lines(
            kube.api_client(),
            f"/api/v1/namespaces/{namespace}/configmaps",
            [("resourceVersion", first.metadata.resource_version), ("timeoutSeconds", 5)],
            2,
        )
        assert len(events) == 1 and events[0]["type"] == "ERROR"
        assert events[0]["object"]["code"] == 410 and events[0]["object"]["reason"] == "Expired"
        with pytest.raises(ApiException) as error:
            list(
                watch.Watch().stream(
                    core.list_namespaced_config_map,
                    namespace,
                    resource_version=first.metadata.resource_version,
                    timeout_seconds=2,
                )
            )
        assert error.value.status == 410
        # The most recent resourceVersion is still within history: a watch from it goes on with the
        # next change (no 410, nothing in between).
        latest = core.read_namespaced_config_map("a", namespace).metadata.resource_version
        core.create_namespaced_config_map(namespace, {"metadata": {"name": "zz-end"}})
        lines = raw_watch_lines(
            kube.api_client(),
            f"/api/v1/namespaces/{namespace}/configmaps",
            [("resourceVersion", latest), ("timeoutSeconds", 10)],
            1,
        )
        assert [(line["type"], line["object"]["metadata"]["name"]) for line in lines] == [("ADDED", "zz-end")]


def test_bookmarks_are_sent_when_allowed(localkube, kube_namespace):
    api = localkube.api_client()
    core = kubernetes.client.CoreV1Api(api)
    created = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "b"}})
    events = raw_watch_lines(
        api,
        f"/api/v1/namespaces/{kube_namespace}/configmaps",
        [
            ("resourceVersion", created.metadata.resource_version),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", 10),
        ],
        max_lines=1,
    )
    assert events[0]["type"] == "BOOKMARK"
    bookmark = events[0]["object"]
    assert bookmark["kind"] == "ConfigMap" and int(bookmark["metadata"]["resourceVersion"]) >= int(
        created.metadata.resource_version
    )


def test_timeout_seconds_closes_the_stream(localkube, kube_namespace):
    api = localkube.api_client()
    events = raw_watch_lines(
        api,
        f"/api/v1/namespaces/{kube_namespace}/configmaps",
        [("resourceVersion", "1"), ("timeoutSeconds", 1)],
        max_lines=1000,
        timeout=20,
    )
    assert events == []  # nothing in this namespace; the server ended the stream on its own


def test_label_selector_watch_sees_deleted_when_labels_stop_matching(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    created = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "l", "labels": {"app": "x"}}})
    core.patch_namespaced_config_map("l", kube_namespace, {"metadata": {"labels": {"app": "y"}}})
    core.patch_namespaced_config_map("l", kube_namespace, {"metadata": {"labels": {"app": "x"}}})
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "zz-end", "labels": {"app": "x"}}})
    events = watch_until_added(
        core.list_namespaced_config_map,
        kube_namespace,
        label_selector="app=x",
        resource_version=created.metadata.resource_version,
        sentinel="zz-end",
    )
    assert [(e["type"], e["object"].metadata.name) for e in events] == [("DELETED", "l"), ("ADDED", "l")]


def test_custom_resource_watch(localkube, kube_namespace):
    api = localkube.api_client()
    group, version, plural = create_crd(api)
    objects = kubernetes.client.CustomObjectsApi(api)
    created = objects.create_namespaced_custom_object(group, version, kube_namespace, plural, widget("w", group))
    objects.patch_namespaced_custom_object_status(
        group, version, kube_namespace, plural, "w", {"status": {"phase": "Up"}}
    )
    objects.create_namespaced_custom_object(group, version, kube_namespace, plural, widget("zz-end", group))
    events = watch_until_added(
        objects.list_namespaced_custom_object,
        group,
        version,
        kube_namespace,
        plural,
        resource_version=created["metadata"]["resourceVersion"],
        sentinel="zz-end",
    )
    assert [(e["type"], e["object"]["status"]["phase"]) for e in events] == [("MODIFIED", "Up")]
