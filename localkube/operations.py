"""Create, read, update and patch with kube-apiserver's semantics, independent of HTTP.

resourceVersion, generation, status-subresource isolation, optimistic concurrency, identical
writes as no-ops, structural-schema pruning/defaulting/validation for custom resources.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from localkube import admission, crds, defaults, immutability, patches, pod_validation
from localkube.bodies import body_checked, schema_apply
from localkube.changes import finalizers_done, generation_relevant, without_volatile
from localkube.copying import json_copy
from localkube.errors import ApiError, cause, conflict, invalid, not_found
from localkube.pagination import decode_continue, encode_continue
from localkube.registry import Registry, ResourceType
from localkube.selectors import make_filter
from localkube.store import Store

KubeObject = dict[str, Any]
# A requester-dependent check on the final object of a write (new, old); raises to refuse it.
Admit = Callable[[ResourceType, KubeObject, "KubeObject | None"], None]
CRD_KEY = ("apiextensions.k8s.io", "customresourcedefinitions")
# metadata fields a client may not change after create
_IMMUTABLE_METADATA = (
    "uid",
    "creationTimestamp",
    "namespace",
    "name",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
)


def with_type_meta(resource_type: ResourceType, obj: KubeObject) -> KubeObject:
    """The object with its kind and storage apiVersion leading, in the order kube-apiserver writes."""
    rest = {key: value for key, value in obj.items() if key not in ("kind", "apiVersion")}
    return {"kind": resource_type.kind, "apiVersion": resource_type.api_version(resource_type.storage_version), **rest}


class WriteResult:
    """The object a write returns, plus warnings (pruned unknown fields) for the Warning header."""

    def __init__(self, obj: KubeObject, warnings: list[str] | None = None) -> None:
        self.obj = obj
        self.warnings = warnings or []


class ObjectService:
    def __init__(self, store: Store, registry: Registry) -> None:
        self.store = store
        self.registry = registry
        self.on_schema_change: list[Callable[[], None]] = []
        self.on_removed: Callable[[ResourceType, KubeObject], None] | None = None

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def present(resource_type: ResourceType, obj: KubeObject, version: str | None) -> KubeObject:
        """The stored object as the client's version sees it (CRD conversion strategy None)."""
        api_version = resource_type.api_version(version)
        if obj.get("apiVersion") == api_version:
            return obj
        return {**obj, "apiVersion": api_version}

    def current(self, resource_type: ResourceType, namespace: str | None, name: str) -> KubeObject:
        obj = self.store.get(resource_type.group, resource_type.resource, namespace or "", name)
        if obj is None:
            raise not_found(resource_type.group, resource_type.resource, name)
        return obj

    def _check_namespace(self, resource_type: ResourceType, namespace: str | None) -> None:
        if not resource_type.namespaced:
            return
        ns = self.store.get("", "namespaces", "", namespace or "")
        if ns is None:
            raise ApiError(
                404, f'namespaces "{namespace}" not found', "NotFound", {"name": namespace, "kind": "namespaces"}
            )
        if ns["metadata"].get("deletionTimestamp"):
            raise ApiError(
                403,
                f'{resource_type.resource} "" is forbidden: unable to create new content in namespace '
                f"{namespace} because it is being terminated",
                "Forbidden",
            )

    # -- reads -------------------------------------------------------------------------------
    def get(self, resource_type: ResourceType, version: str, namespace: str | None, name: str) -> KubeObject:
        return self.present(resource_type, self.current(resource_type, namespace, name), version)

    def list(
        self,
        resource_type: ResourceType,
        version: str,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
    ) -> KubeObject:
        predicate = make_filter(label_selector, field_selector, resource_type.group, resource_type.resource)
        objects = self.store.objects_of(resource_type.group, resource_type.resource, namespace)
        list_rv = self.store.resource_version
        start_after: tuple[str, str] | None = None
        if continue_token:
            list_rv, start_after = decode_continue(continue_token)
        items: list[KubeObject] = []
        metadata: dict[str, Any] = {}
        for obj in objects:
            key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
            if start_after is not None and key <= start_after:
                continue
            if not predicate(obj):
                continue
            if limit and len(items) >= limit:
                metadata["continue"] = encode_continue(list_rv, items[-1]["metadata"])
                break
            items.append(self.present(resource_type, obj, version))
        metadata["resourceVersion"] = str(list_rv)
        return {
            "apiVersion": resource_type.api_version(version),
            "kind": f"{resource_type.kind}List",
            "metadata": metadata,
            "items": items,
        }

    # -- writes ------------------------------------------------------------------------------
    def create(
        self,
        resource_type: ResourceType,
        version: str,
        namespace: str | None,
        body: Any,
        *,
        dry_run: bool = False,
        field_validation: str | None = None,
        admit: Admit | None = None,
        body_owned: bool = False,
    ) -> WriteResult:
        """``body_owned``: the caller hands the body over (a request's parsed JSON), so it is stored
        without a copy; the server's own callers keep theirs."""
        checked = body_checked(resource_type, version, body)
        obj = checked if body_owned else json_copy(checked)
        if resource_type.namespaced:
            body_ns = (obj.get("metadata") or {}).get("namespace")
            if body_ns and namespace and body_ns != namespace:
                raise ApiError(
                    400,
                    "the namespace of the provided object does not match the namespace sent on the request",
                    "BadRequest",
                )
        obj = with_type_meta(resource_type, obj)
        admission.initialize_metadata(resource_type, obj, namespace)
        self._check_namespace(resource_type, namespace)
        name = obj["metadata"]["name"]
        if self.store.get(resource_type.group, resource_type.resource, namespace or "", name) is not None:
            raise ApiError(
                409,
                f'{resource_type.qualified} "{name}" already exists',
                "AlreadyExists",
                {"name": name, "group": resource_type.group, "kind": resource_type.resource},
            )
        if (resource_type.group, resource_type.resource) == CRD_KEY:
            crds.default_crd(obj)
            crds.validate_crd(obj, self.registry)
        defaults.prepare_create(resource_type, obj)
        pod_validation.validate_workload(resource_type, obj)
        warnings = schema_apply(resource_type, version, obj, field_validation)
        if (resource_type.group, resource_type.resource) == CRD_KEY:
            obj["status"] = crds.crd_status(obj, None)
        if admit is not None:
            admit(resource_type, obj, None)
        if dry_run:
            obj["metadata"]["resourceVersion"] = ""
            return WriteResult(self.present(resource_type, obj, version), warnings)
        stored = self.store.put(resource_type.group, resource_type.resource, obj, None)
        self._after_write(resource_type, stored, None)
        return WriteResult(self.present(resource_type, stored, version), warnings)

    def update(
        self,
        resource_type: ResourceType,
        version: str,
        namespace: str | None,
        name: str,
        body: Any,
        *,
        subresource: str = "",
        dry_run: bool = False,
        field_validation: str | None = None,
        require_resource_version: bool | None = None,
        admit: Admit | None = None,
    ) -> WriteResult:
        obj = json_copy(body_checked(resource_type, version, body))
        metadata = obj.setdefault("metadata", {})
        if metadata.get("name") and metadata["name"] != name:
            raise ApiError(
                400, f"the name of the object ({metadata['name']}) does not match the name on the URL ({name})"
            )
        if resource_type.namespaced and metadata.get("namespace") and metadata["namespace"] != namespace:
            raise ApiError(400, "the namespace of the provided object does not match the namespace sent on the request")
        old = self.current(resource_type, namespace, name)
        requested_rv = str(metadata.get("resourceVersion") or "")
        if require_resource_version is None:
            require_resource_version = not resource_type.builtin
        if not requested_rv and require_resource_version:
            raise invalid(
                resource_type.kind,
                resource_type.group,
                name,
                [cause("metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update")],
            )
        if requested_rv and requested_rv != old["metadata"]["resourceVersion"]:
            raise conflict(resource_type.group, resource_type.resource, name)
        return self._write_update(resource_type, version, old, obj, subresource, dry_run, field_validation, admit)

    def patch(
        self,
        resource_type: ResourceType,
        version: str,
        namespace: str | None,
        name: str,
        patch_body: Any,
        content_type: str,
        *,
        subresource: str = "",
        dry_run: bool = False,
        field_validation: str | None = None,
        admit: Admit | None = None,
    ) -> WriteResult:
        old = self.current(resource_type, namespace, name)
        # Each patch function copies the stored object once and never modifies it.
        base = self.present(resource_type, old, version)
        if content_type == patches.MERGE_PATCH:
            if not isinstance(patch_body, dict):
                raise ApiError(400, "merge patch must be a JSON object")
            # A /status write takes only the result's status (below): no copy of the rest.
            merge = patches.merge_patch_shared if subresource == "status" else patches.merge_patch
            patched = merge(base, patch_body)
        elif content_type == patches.JSON_PATCH:
            patched = patches.json_patch(base, patch_body)
        elif content_type == patches.STRATEGIC_PATCH and resource_type.builtin:
            patched = patches.strategic_merge_patch(base, patch_body, resource_type.kind)
        else:
            raise ApiError(
                415,
                f"the body of the request was in an unknown format - accepted media types include: "
                f"{patches.JSON_PATCH}, {patches.MERGE_PATCH}"
                + ("" if not resource_type.builtin else f", {patches.STRATEGIC_PATCH}"),
                "UnsupportedMediaType",
            )
        if not isinstance(patched, dict):
            raise ApiError(422, "the patch produced something that is not an object")
        patched_rv = str((patched.get("metadata") or {}).get("resourceVersion") or "")
        if patched_rv and patched_rv != old["metadata"]["resourceVersion"]:
            raise conflict(resource_type.group, resource_type.resource, name)
        body_checked(resource_type, version, patched)
        if (patched.get("metadata") or {}).get("name") != name:
            raise ApiError(400, "the name of the object does not match the name on the URL")
        return self._write_update(resource_type, version, old, patched, subresource, dry_run, field_validation, admit)

    def _write_update(
        self,
        resource_type: ResourceType,
        version: str,
        old: KubeObject,
        obj: KubeObject,
        subresource: str,
        dry_run: bool,
        field_validation: str | None,
        admit: Admit | None = None,
    ) -> WriteResult:
        name = old["metadata"]["name"]
        body_uid = (obj.get("metadata") or {}).get("uid")
        if body_uid and body_uid != old["metadata"]["uid"]:
            raise ApiError(
                409,
                f"Precondition failed: UID in precondition: {body_uid}, UID in object meta: {old['metadata']['uid']}",
                "Conflict",
            )
        if subresource == "finalize":
            # PUT namespaces/{name}/finalize changes only spec.finalizers (the namespace controller's call).
            new = json_copy(old)
            new.setdefault("spec", {})["finalizers"] = list(((obj.get("spec") or {}).get("finalizers")) or [])
        elif subresource == "status":
            # /status writes change only status; everything else comes from the stored object,
            # without its old status (which the write replaces). Of the rest, only the metadata
            # is written below for a built-in kind, so its spec is shared with the stored object,
            # which nothing modifies in place; a custom resource's is pruned and defaulted in
            # place, and a CRD's defaulted, so theirs are copied.
            shared = resource_type.builtin and (resource_type.group, resource_type.resource) != CRD_KEY
            new = {
                key: value if shared and key != "metadata" else json_copy(value)
                for key, value in old.items()
                if key != "status"
            }
            if "status" in obj:
                new["status"] = obj["status"]
        else:
            new = obj
            new_metadata = new.setdefault("metadata", {})
            for key in _IMMUTABLE_METADATA:
                if key in old["metadata"]:
                    new_metadata[key] = old["metadata"][key]
                else:
                    new_metadata.pop(key, None)
            if resource_type.has_status:
                if "status" in old:
                    new["status"] = json_copy(old["status"])
                else:
                    new.pop("status", None)
            if (resource_type.group, resource_type.resource) == ("", "namespaces"):
                new["spec"] = json_copy(old.get("spec", {}))
            admission.validate_metadata(resource_type, new_metadata)
            defaults.prepare_write(resource_type, new)
            pod_validation.validate_workload(resource_type, new)
            immutability.validate_update(resource_type, old, new)
        new = with_type_meta(resource_type, new)
        new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        if old["metadata"].get("deletionTimestamp"):
            added = set(new["metadata"].get("finalizers") or []) - set(old["metadata"].get("finalizers") or [])
            if added:
                raise invalid(
                    resource_type.kind,
                    resource_type.group,
                    name,
                    [
                        cause(
                            "metadata.finalizers",
                            f"Forbidden: no new finalizers can be added if the object is being deleted, "
                            f"found new finalizers {sorted(added)}",
                            "FieldValueForbidden",
                        )
                    ],
                )
        if (resource_type.group, resource_type.resource) == CRD_KEY:
            crds.default_crd(new)
            crds.validate_crd(new, self.registry)
            new["status"] = crds.crd_status(new, old)
        warnings = schema_apply(resource_type, version, new, field_validation)
        if not new["metadata"].get("finalizers"):
            new["metadata"].pop("finalizers", None)
        if without_volatile(new) == without_volatile(old):
            return WriteResult(self.present(resource_type, old, version), warnings)
        if admit is not None and not subresource:
            admit(resource_type, new, old)
        if resource_type.tracks_generation and generation_relevant(new, resource_type) != generation_relevant(
            old, resource_type
        ):
            new["metadata"]["generation"] = int(old["metadata"].get("generation") or 1) + 1
        if dry_run:
            return WriteResult(self.present(resource_type, new, version), warnings)
        stored = self.store.put(resource_type.group, resource_type.resource, new, old)
        self._after_write(resource_type, stored, old)
        if finalizers_done(stored):
            self.remove(resource_type, stored)
        return WriteResult(self.present(resource_type, stored, version), warnings)

    def put_internal(self, resource_type: ResourceType, new: KubeObject, old: KubeObject) -> KubeObject:
        """A write by the server itself (GC, namespace controller): no admission, no conflicts."""
        if without_volatile(new) == without_volatile(old):
            return old
        stored = self.store.put(resource_type.group, resource_type.resource, new, old)
        if finalizers_done(stored):
            self.remove(resource_type, stored)
        return stored

    def remove(self, resource_type: ResourceType, obj: KubeObject) -> KubeObject | None:
        metadata = obj["metadata"]
        final = self.store.remove(
            resource_type.group, resource_type.resource, metadata.get("namespace", ""), metadata["name"]
        )
        if final is not None and self.on_removed is not None:
            self.on_removed(resource_type, final)
        return final

    def _after_write(self, resource_type: ResourceType, stored: KubeObject, old: KubeObject | None) -> None:
        key = (resource_type.group, resource_type.resource)
        if key == CRD_KEY:
            self.registry.register_crd(stored)
            for callback in self.on_schema_change:
                callback()
        elif key == ("", "namespaces") and old is None:
            # The service-account controller's job: every namespace has a "default" ServiceAccount.
            sa_type = self.registry.get("", "serviceaccounts")
            name = stored["metadata"]["name"]
            if sa_type is not None and self.store.get("", "serviceaccounts", name, "default") is None:
                self.create(sa_type, "v1", name, {"metadata": {"name": "default"}})
