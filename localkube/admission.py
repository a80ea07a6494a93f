"""What the API server does to an object before storing it: metadata, names and kind defaults.

These mirror kube-apiserver's strategies (PrepareForCreate, validation of names) and a few
controllers that act instantly here (scheduling onto the single node, PVC binding, SA creation).
"""

from __future__ import annotations

import base64
import re
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from localkube.errors import cause, invalid
from localkube.registry import ResourceType

NODE_NAME = "localkube"  # the one node; the runtime's kubelet keeps its status
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_VALUE_MESSAGE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
# kube's TotalAnnotationSizeLimitB: keys and values of one object's annotations together.
TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024
_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
# Resources whose names are DNS-1123 labels; RBAC names are path segments (``system:foo``).
_LABEL_NAMED = {("", "namespaces"), ("", "services")}
_PATH_SEGMENT_NAMED = {"rbac.authorization.k8s.io"}


def now_timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def validate_name(resource_type: ResourceType, name: str) -> None:
    kind, group = resource_type.kind, resource_type.group
    if resource_type.group in _PATH_SEGMENT_NAMED:
        if name in (".", "..") or "/" in name or "%" in name:
            raise invalid(
                kind, group, name, [cause("metadata.name", f"Invalid value: \"{name}\": may not contain '/' or '%'")]
            )
        return
    if (group, resource_type.resource) in _LABEL_NAMED:
        if len(name) > 63 or not _LABEL.match(name):
            message = (
                f'Invalid value: "{name}": a lowercase RFC 1123 label must consist of lower case alphanumeric '
                "characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
                "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            )
            raise invalid(kind, group, name, [cause("metadata.name", message)])
        return
    if len(name) > 253 or not _SUBDOMAIN.match(name):
        message = (
            f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric '
            "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
            "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        )
        raise invalid(kind, group, name, [cause("metadata.name", message)])


def validate_metadata(resource_type: ResourceType, metadata: dict[str, Any]) -> None:
    name = metadata.get("name", "")
    causes = []
    for key, value in (metadata.get("labels") or {}).items():
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            causes.append(
                cause(
                    "metadata.labels",
                    f'Invalid value: "{value}": {_LABEL_VALUE_MESSAGE}',
                )
            )
        if not isinstance(key, str) or not key or len(key.rsplit("/", 1)[-1]) > 63:
            causes.append(
                cause("metadata.labels", f'Invalid value: "{key}": name part must be no more than 63 characters')
            )
    annotations_size = 0
    for key, value in (metadata.get("annotations") or {}).items():
        if not isinstance(value, str):
            causes.append(cause(f"metadata.annotations.{key}", "Invalid value: annotation values must be strings"))
            continue
        annotations_size += len(str(key).encode()) + len(value.encode())
    if annotations_size > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES:
        causes.append(
            cause(
                "metadata.annotations",
                f"Too long: may not be more than {TOTAL_ANNOTATION_SIZE_LIMIT_BYTES} bytes",
                "FieldValueTooLong",
            )
        )
    if causes:
        raise invalid(resource_type.kind, resource_type.group, name, causes)


def generate_name(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_GENERATE_ALPHABET) for _ in range(5))


def initialize_metadata(resource_type: ResourceType, obj: dict[str, Any], namespace: str | None) -> None:
    metadata = obj.setdefault("metadata", {})
    if not metadata.get("name") and metadata.get("generateName"):
        metadata["name"] = generate_name(metadata["generateName"])
    if not metadata.get("name"):
        raise invalid(
            resource_type.kind,
            resource_type.group,
            "",
            [cause("metadata.name", "Required value: name or generateName is required", "FieldValueRequired")],
        )
    validate_name(resource_type, metadata["name"])
    validate_metadata(resource_type, metadata)
    if resource_type.namespaced:
        metadata["namespace"] = namespace
    else:
        metadata.pop("namespace", None)
    metadata["uid"] = str(uuid.uuid4())
    metadata["creationTimestamp"] = now_timestamp()
    if resource_type.tracks_generation:
        metadata["generation"] = 1
    else:
        metadata.pop("generation", None)
    for transient in ("deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion", "selfLink"):
        metadata.pop(transient, None)


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
        if spec.get("clusterIP") != "None":
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


def node_object() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": NODE_NAME,
            "labels": {
                "kubernetes.io/hostname": NODE_NAME,
                "kubernetes.io/os": "linux",
                "node-role.kubernetes.io/control-plane": "",
            },
        },
        "spec": {},
        "status": {
            "capacity": {"cpu": "8", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"},
            "allocatable": {"cpu": "8", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"},
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "localkube is posting ready status",
                }
            ],
            "nodeInfo": {"kubeletVersion": "v1.34.0-localkube", "operatingSystem": "linux", "architecture": "amd64"},
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": NODE_NAME}],
        },
    }
