"""Semantics 3–5: one resourceVersion counter, identical writes are no-ops, generation rules,
status subresource isolation."""

import kubernetes.client

from localkube.tests.helpers import create_crd, raw_watch_lines, widget


def test_resource_version_is_cluster_wide_and_increases(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    first = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "a"}})
    second = core.create_namespaced_secret(kube_namespace, {"metadata": {"name": "b"}})
    assert int(second.metadata.resource_version) > int(first.metadata.resource_version)
    listing = core.list_namespaced_config_map(kube_namespace)
    assert int(listing.metadata.resource_version) >= int(second.metadata.resource_version)
    assert first.metadata.uid and first.metadata.creation_timestamp


def test_identical_write_changes_nothing_and_emits_no_event(localkube, kube_namespace):
    api = localkube.api_client()
    core = kubernetes.client.CoreV1Api(api)
    created = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "same"}, "data": {"k": "v"}})
    rv = created.metadata.resource_version
    replaced = core.replace_namespaced_config_map("same", kube_namespace, created)
    patched = core.patch_namespaced_config_map("same", kube_namespace, {"data": {"k": "v"}})
    assert replaced.metadata.resource_version == rv and patched.metadata.resource_version == rv
    # A later real change is the first (and only) event after rv.
    changed = core.patch_namespaced_config_map("same", kube_namespace, {"data": {"k": "w"}})
    # Events come in resourceVersion order: whatever the identical writes emitted would come before
    # the ADDED of an object created last.
    end = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "zz-end"}})
    events = raw_watch_lines(
        api,
        f"/api/v1/namespaces/{kube_namespace}/configmaps",
        [("resourceVersion", rv), ("timeoutSeconds", 10)],
        max_lines=2,
    )
    assert [(e["type"], e["object"]["metadata"]["resourceVersion"]) for e in events] == [
        ("MODIFIED", changed.metadata.resource_version),
        ("ADDED", end.metadata.resource_version),
    ]


def test_generation_rules_for_cr_with_status(localkube, kube_namespace):
    api = localkube.api_client()
    group, version, plural = create_crd(api)
    objects = kubernetes.client.CustomObjectsApi(api)
    created = objects.create_namespaced_custom_object(group, version, kube_namespace, plural, widget("g", group))
    assert created["metadata"]["generation"] == 1

    def patch(body, status=False):
        method = objects.patch_namespaced_custom_object_status if status else objects.patch_namespaced_custom_object
        return method(group, version, kube_namespace, plural, "g", body)

    assert patch({"metadata": {"labels": {"a": "b"}}})["metadata"]["generation"] == 1
    assert patch({"metadata": {"annotations": {"a": "b"}}})["metadata"]["generation"] == 1
    assert patch({"metadata": {"finalizers": ["example.com/keep"]}})["metadata"]["generation"] == 1
    assert patch({"status": {"phase": "Ready"}}, status=True)["metadata"]["generation"] == 1
    assert patch({"spec": {"replicas": 3}})["metadata"]["generation"] == 2
    assert patch({"spec": {"replicas": 3}})["metadata"]["generation"] == 2
    assert patch({"metadata": {"finalizers": None}})["metadata"]["generation"] == 2


def test_status_subresource_isolation(localkube, kube_namespace):
    api = localkube.api_client()
    group, version, plural = create_crd(api)
    objects = kubernetes.client.CustomObjectsApi(api)
    body = widget("s", group)
    body["status"] = {"phase": "Ignored"}
    created = objects.create_namespaced_custom_object(group, version, kube_namespace, plural, body)
    assert "status" not in created  # create ignores status
    created["status"] = {"phase": "AlsoIgnored"}
    created["spec"]["replicas"] = 5
    updated = objects.replace_namespaced_custom_object(group, version, kube_namespace, plural, "s", created)
    assert "status" not in updated and updated["spec"]["replicas"] == 5
    updated["status"] = {"phase": "Running"}
    updated["spec"]["replicas"] = 9  # ignored by /status
    status = objects.replace_namespaced_custom_object_status(group, version, kube_namespace, plural, "s", updated)
    assert status["status"] == {"phase": "Running"} and status["spec"]["replicas"] == 5
    assert status["metadata"]["generation"] == 2


def test_builtin_status_isolation_for_pods(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    pod = core.create_namespaced_pod(
        kube_namespace,
        {
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "localkube.invalid/none:1"}]},
            "status": {"phase": "Running"},
        },
    )
    assert pod.status.phase == "Pending"
    patched = core.patch_namespaced_pod_status("p", kube_namespace, {"status": {"message": "hello"}})
    assert patched.status.message == "hello"
