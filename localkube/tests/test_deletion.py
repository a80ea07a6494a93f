"""Semantic 11: finalizers (two-phase delete), ownerReference GC with each propagation policy,
namespace deletion."""

import kubernetes.client
import pytest
from kubernetes.client import ApiException

from localkube.tests.helpers import create_crd, wait_for, widget


def _gone(read):
    def check():
        try:
            read()
        except ApiException as error:
            return error.status == 404
        return False

    return check


def _owner_ref(owner, block=False):
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": owner.metadata.name,
        "uid": owner.metadata.uid,
        "blockOwnerDeletion": block,
    }


def test_finalizer_keeps_object_until_removed(localkube, kube_namespace):
    api = localkube.api_client()
    group, version, plural = create_crd(api)
    objects = kubernetes.client.CustomObjectsApi(api)
    body = widget("f", group)
    body["metadata"]["finalizers"] = ["example.com/cleanup"]
    objects.create_namespaced_custom_object(group, version, kube_namespace, plural, body)
    deleting = objects.delete_namespaced_custom_object(group, version, kube_namespace, plural, "f")
    assert deleting["metadata"]["deletionTimestamp"] and deleting["metadata"]["finalizers"] == ["example.com/cleanup"]
    current = objects.get_namespaced_custom_object(group, version, kube_namespace, plural, "f")
    assert current["metadata"]["deletionTimestamp"]
    with pytest.raises(ApiException) as error:  # no new finalizers while deleting
        objects.patch_namespaced_custom_object(
            group,
            version,
            kube_namespace,
            plural,
            "f",
            {"metadata": {"finalizers": ["example.com/cleanup", "other/x"]}},
        )
    assert error.value.status == 422
    objects.patch_namespaced_custom_object(
        group, version, kube_namespace, plural, "f", {"metadata": {"finalizers": None}}
    )
    wait_for(_gone(lambda: objects.get_namespaced_custom_object(group, version, kube_namespace, plural, "f")))


def test_background_propagation_deletes_dependents(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    owner = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "owner"}})
    core.create_namespaced_secret(kube_namespace, {"metadata": {"name": "dep", "ownerReferences": [_owner_ref(owner)]}})
    core.delete_namespaced_config_map("owner", kube_namespace, propagation_policy="Background")
    wait_for(_gone(lambda: core.read_namespaced_secret("dep", kube_namespace)), message="dependent collected")


def test_orphan_propagation_keeps_dependents_and_drops_reference(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    owner = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "owner"}})
    core.create_namespaced_secret(kube_namespace, {"metadata": {"name": "dep", "ownerReferences": [_owner_ref(owner)]}})
    core.delete_namespaced_config_map("owner", kube_namespace, propagation_policy="Orphan")
    wait_for(_gone(lambda: core.read_namespaced_config_map("owner", kube_namespace)), message="owner deleted")
    dependent = core.read_namespaced_secret("dep", kube_namespace)
    assert not dependent.metadata.owner_references


def test_foreground_waits_for_blocking_dependents(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    owner = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "owner"}})
    core.create_namespaced_secret(
        kube_namespace,
        {
            "metadata": {
                "name": "dep",
                "ownerReferences": [_owner_ref(owner, block=True)],
                "finalizers": ["example.com/hold"],
            }
        },
    )
    core.delete_namespaced_config_map("owner", kube_namespace, propagation_policy="Foreground")

    def owner_waiting():
        current = core.read_namespaced_config_map("owner", kube_namespace)
        dependent = core.read_namespaced_secret("dep", kube_namespace)
        return (
            current.metadata.deletion_timestamp
            and dependent.metadata.deletion_timestamp
            and "foregroundDeletion" in current.metadata.finalizers
        )

    wait_for(owner_waiting, message="owner waits in foreground deletion")
    core.patch_namespaced_secret("dep", kube_namespace, {"metadata": {"finalizers": None}})
    wait_for(_gone(lambda: core.read_namespaced_secret("dep", kube_namespace)))
    wait_for(_gone(lambda: core.read_namespaced_config_map("owner", kube_namespace)), message="owner finally deleted")


def test_dependent_with_another_live_owner_survives(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    first = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "one"}})
    second = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "two"}})
    core.create_namespaced_secret(
        kube_namespace, {"metadata": {"name": "dep", "ownerReferences": [_owner_ref(first), _owner_ref(second)]}}
    )
    core.delete_namespaced_config_map("one", kube_namespace)
    wait_for(
        lambda: (
            [r.name for r in core.read_namespaced_secret("dep", kube_namespace).metadata.owner_references] == ["two"]
        )
    )


def test_batch_v1_job_delete_orphans_pods_by_default(localkube, kube_namespace):
    api = localkube.api_client()
    batch = kubernetes.client.BatchV1Api(api)
    core = kubernetes.client.CoreV1Api(api)
    job = batch.create_namespaced_job(
        kube_namespace,
        {
            "metadata": {"name": "j"},
            "spec": {
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "c", "image": "localkube.invalid/none:1"}],
                    }
                }
            },
        },
    )
    assert job.spec.selector.match_labels["batch.kubernetes.io/controller-uid"] == job.metadata.uid
    assert job.spec.template.metadata.labels["job-name"] == "j"
    core.create_namespaced_config_map(
        kube_namespace,
        {
            "metadata": {
                "name": "stand-in",
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "j", "uid": job.metadata.uid}],
            }
        },
    )
    batch.delete_namespaced_job("j", kube_namespace)  # no policy: batch/v1 defaults to Orphan
    wait_for(_gone(lambda: batch.read_namespaced_job("j", kube_namespace)))
    assert not core.read_namespaced_config_map("stand-in", kube_namespace).metadata.owner_references


def test_delete_returns_status_or_object(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "d"}})
    status = core.delete_namespaced_config_map("d", kube_namespace, body={"propagationPolicy": "Background"})
    assert status["kind"] == "Status" and status["status"] == "Success" and status["details"]["name"] == "d"
    with pytest.raises(ApiException) as error:
        core.delete_namespaced_config_map("d", kube_namespace)
    assert error.value.status == 404
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "dry"}})
    core.delete_namespaced_config_map("dry", kube_namespace, dry_run="All")
    assert core.read_namespaced_config_map("dry", kube_namespace).metadata.name == "dry"


def test_delete_collection_by_label(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    for name, labels in (("a", {"x": "1"}), ("b", {"x": "1"}), ("c", {})):
        core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": name, "labels": labels}})
    core.delete_collection_namespaced_config_map(kube_namespace, label_selector="x=1")
    assert [c.metadata.name for c in core.list_namespaced_config_map(kube_namespace).items] == ["c"]


def test_namespace_deletion_removes_contents(localkube):
    api = localkube.api_client()
    core = kubernetes.client.CoreV1Api(api)
    group, version, plural = create_crd(api)
    objects = kubernetes.client.CustomObjectsApi(api)
    namespace = localkube.create_namespace("doomed-")
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "c"}})
    body = widget("w", group)
    body["metadata"]["finalizers"] = ["example.com/hold"]
    objects.create_namespaced_custom_object(group, version, namespace, plural, body)
    deleting = core.delete_namespace(namespace)
    assert deleting["status"]["phase"] == "Terminating"
    assert core.read_namespace(namespace).status.phase == "Terminating"
    with pytest.raises(ApiException) as error:
        core.create_namespaced_config_map(namespace, {"metadata": {"name": "late"}})
    assert error.value.status == 403
    wait_for(_gone(lambda: core.read_namespaced_config_map("c", namespace)))
    assert core.read_namespace(namespace).status.phase == "Terminating"  # held by the CR's finalizer
    objects.patch_namespaced_custom_object(group, version, namespace, plural, "w", {"metadata": {"finalizers": None}})
    wait_for(_gone(lambda: core.read_namespace(namespace)), message="namespace removed")


def test_create_in_missing_namespace_is_404(localkube):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    with pytest.raises(ApiException) as error:
        core.create_namespaced_config_map("does-not-exist", {"metadata": {"name": "x"}})
    assert error.value.status == 404


def test_dependent_of_an_absent_owner_is_collected(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    owner = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "live"}})
    absent = {"apiVersion": "v1", "kind": "ConfigMap", "name": "never", "uid": "00000000-0000-0000-0000-000000000000"}
    unknown_kind = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "d",
        "uid": "11111111-1111-1111-1111-111111111111",
    }
    core.create_namespaced_secret(kube_namespace, {"metadata": {"name": "orphan", "ownerReferences": [absent]}})
    core.create_namespaced_secret(
        kube_namespace, {"metadata": {"name": "mixed", "ownerReferences": [absent, _owner_ref(owner)]}}
    )
    core.create_namespaced_secret(
        kube_namespace, {"metadata": {"name": "unverifiable", "ownerReferences": [unknown_kind]}}
    )
    wait_for(
        _gone(lambda: core.read_namespaced_secret("orphan", kube_namespace)), message="dangling dependent collected"
    )
    wait_for(
        lambda: (
            [r.name for r in core.read_namespaced_secret("mixed", kube_namespace).metadata.owner_references] == ["live"]
        )
    )
    assert core.read_namespaced_secret("unverifiable", kube_namespace).metadata.name == "unverifiable"


def test_namespace_finalize_subresource(localkube):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    namespace = localkube.create_namespace("finalize-")
    core.patch_namespace(namespace, {"metadata": {"finalizers": ["example.com/hold"]}})
    core.delete_namespace(namespace)
    wait_for(lambda: not core.read_namespace(namespace).spec.finalizers, message="spec.finalizers emptied")
    current = core.read_namespace(namespace)
    assert current.status.phase == "Terminating" and current.metadata.finalizers == ["example.com/hold"]
    current.spec.finalizers = []
    core.replace_namespace_finalize(namespace, current)
    core.patch_namespace(namespace, {"metadata": {"finalizers": None}})
    wait_for(_gone(lambda: core.read_namespace(namespace)), message="namespace removed")
