"""Per-kind defaults applied before storing, mirroring kube-apiserver's strategies
(PrepareForCreate) and the defaulting it runs on every decode: pod specs, services, jobs,
namespaces, PVCs and secrets' ``stringData``."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from localkube.errors import cause, invalid
from localkube.registry import ResourceType


def _image_pull_policy(image: str) -> str:
    tail = image.rsplit("/", 1)[-1]
    if "@" in tail or (":" in tail and not tail.endswith(":latest")):
        return "IfNotPresent"
    return "Always"


def _default_pod_spec(spec: dict[str, Any]) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
    spec.setdefault("securityContext", {})
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        if isinstance(container, dict):
            container.setdefault("imagePullPolicy", _image_pull_policy(str(container.get("image", ""))))
            container.setdefault("terminationMessagePath", "/dev/termination-log")
            container.setdefault("terminationMessagePolicy", "File")
            container.setdefault("resources", {})
            for port in container.get("ports") or []:
                if isinstance(port, dict):
                    port.setdefault("protocol", "TCP")


def _service_ip(name: str, namespace: str) -> str:
    digest = uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.{namespace}").bytes
    return f"10.96.{digest[0]}.{max(1, digest[1] % 255)}"


def prepare_create(resource_type: ResourceType, obj: dict[str, Any]) -> None:
    """Kind-specific defaults applied on create (after metadata is initialized)."""
    key = (resource_type.group, resource_type.resource)
    metadata = obj["metadata"]
    if resource_type.has_status:
        obj.pop("status", None)
    if key == ("", "namespaces"):
        metadata.setdefault("labels", {})["kubernetes.io/metadata.name"] = metadata["name"]
        obj["spec"] = {"finalizers": ["kubernetes"]}
        obj["status"] = {"phase": "Active"}
    elif key == ("", "pods"):
        # Scheduling (spec.nodeName) is the runtime's scheduler's job, as in kube.
        _default_pod_spec(obj.setdefault("spec", {}))
        obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
    elif key == ("", "services"):
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        # An ExternalName service is a DNS alias: kube allocates it no cluster IP.
        if spec["type"] != "ExternalName" and spec.get("clusterIP") != "None":
            spec["clusterIP"] = spec.get("clusterIP") or _service_ip(metadata["name"], metadata.get("namespace", ""))
            spec["clusterIPs"] = [spec["clusterIP"]]
        for port in spec.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")
                port.setdefault("targetPort", port.get("port"))
        obj["status"] = {"loadBalancer": {}}
    elif key == ("", "persistentvolumeclaims"):
        # Binding is the runtime's PVC controller's job (a stand-in dynamic provisioner).
        obj["status"] = {"phase": "Pending"}
    elif key == ("batch", "jobs"):
        _prepare_job(obj)
    elif key == ("", "nodes"):
        obj.setdefault("status", {})
    prepare_write(resource_type, obj)


def _prepare_job(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    uid = obj["metadata"]["uid"]
    name = obj["metadata"]["name"]
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completions", 1)
    spec.setdefault("parallelism", 1)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("manualSelector", None)
    if not spec.get("manualSelector"):
        spec.pop("manualSelector", None)
        spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
        template_meta = spec.setdefault("template", {}).setdefault("metadata", {})
        labels = template_meta.setdefault("labels", {})
        labels.update(
            {
                "batch.kubernetes.io/controller-uid": uid,
                "batch.kubernetes.io/job-name": name,
                "controller-uid": uid,
                "job-name": name,
            }
        )
    pod_spec = spec.setdefault("template", {}).setdefault("spec", {})
    if pod_spec.get("restartPolicy") not in ("Never", "OnFailure"):
        raise invalid(
            "Job",
            "batch",
            name,
            [
                cause(
                    "spec.template.spec.restartPolicy",
                    f'Unsupported value: "{pod_spec.get("restartPolicy", "Always")}": '
                    'supported values: "OnFailure", "Never"',
                    "FieldValueNotSupported",
                )
            ],
        )
    _default_pod_spec(pod_spec)
    obj["status"] = {}


def prepare_write(resource_type: ResourceType, obj: dict[str, Any]) -> None:
    """Defaults applied on every write (create and update), as kube defaults on every decode."""
    if (resource_type.group, resource_type.resource) == ("", "pods") and isinstance(obj.get("spec"), dict):
        _default_pod_spec(obj["spec"])
    if (resource_type.group, resource_type.resource) == ("", "secrets"):
        if not obj.get("type"):
            obj["type"] = "Opaque"
        string_data = obj.pop("stringData", None)
        if isinstance(string_data, dict):
            data = obj.setdefault("data", {}) or {}
            for key, value in string_data.items():
                data[key] = base64.b64encode(str(value).encode()).decode()
            obj["data"] = data
