"""What a pod may ask of the host: localkube's own admission for the embedded runtime.

On a real cluster a container is isolated from the node; here a mapped image runs as a process
of the host user who started localkube, and a ``hostPath`` volume is a real host directory. So
only the control plane may create pods (or Jobs, whose pods the Job controller creates) that
run a mapped image or mount a hostPath. "The control plane" is a requester in
``system:masters``: localkube's own admin identity, which the platform's processes, the Job
controller and the kubelet all use in embedded mode. Everyone else's pods may only use images
the image map does not name (they wait in ``ImagePullBackOff``, as an unpullable image would) and
no hostPath. Updates are checked for what they add, so the control plane's pods stay editable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from localkube.errors import ApiError
from localkube.interfaces import UserInfo
from localkube.registry import ResourceType

KubeObject = dict[str, Any]
PRIVILEGED_GROUP = "system:masters"
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def pod_spec_of(resource_type: ResourceType, obj: KubeObject) -> dict[str, Any] | None:
    """The pod spec a pod or a Job carries (None for every other kind)."""
    key = (resource_type.group, resource_type.resource)
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return None
    if key == ("", "pods"):
        return spec
    if key == ("batch", "jobs"):
        template = spec.get("template")
        if isinstance(template, dict) and isinstance(template.get("spec"), dict):
            return template["spec"]
    return None


def _images(spec: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for field in _CONTAINER_LISTS:
        for container in spec.get(field) or ():
            if isinstance(container, dict):
                yield str(container.get("name", "")), str(container.get("image", ""))


def _host_paths(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        str(volume.get("name", "")): volume.get("hostPath")
        for volume in spec.get("volumes") or ()
        if isinstance(volume, dict) and "hostPath" in volume
    }


class HostAccessPolicy:
    """Refuses mapped images and hostPath volumes in pods not written by the control plane."""

    def __init__(self, is_mapped_image: Callable[[str], bool]) -> None:
        self._is_mapped_image = is_mapped_image

    def check(self, user: UserInfo, resource_type: ResourceType, new: KubeObject, old: KubeObject | None) -> None:
        if PRIVILEGED_GROUP in user.groups:
            return
        spec = pod_spec_of(resource_type, new)
        if spec is None:
            return
        old_spec = pod_spec_of(resource_type, old) if old is not None else None
        old_images = dict(_images(old_spec)) if old_spec else {}
        old_paths = _host_paths(old_spec) if old_spec else {}
        problems = []
        for name, host_path in _host_paths(spec).items():
            if old_paths.get(name) != host_path:
                problems.append(f'hostPath volume "{name}" (hostPath is reserved for the control plane)')
        for name, image in _images(spec):
            if old_images.get(name) != image and self._is_mapped_image(image):
                problems.append(
                    f'container "{name}" image "{image}" (it runs as a host process, reserved for the control plane)'
                )
        if problems:
            metadata = new.get("metadata") or {}
            name = str(metadata.get("name", ""))
            qualified = resource_type.qualified
            raise ApiError(
                403,
                f'{qualified} "{name}" is forbidden: localkube admission: {"; ".join(problems)}',
                "Forbidden",
                {"name": name, "group": resource_type.group, "kind": resource_type.resource},
            )
