"""Pod volumes as host directories: a PVC is a directory per claim, a Secret/ConfigMap volume a
directory of files kept in sync with the object (like the kubelet's periodic volume sync).

Every "container" runs as the host user that runs localkube, so the group and other bits of a
Secret/ConfigMap volume's ``defaultMode`` could only ever reach other users of the host: they are
dropped (0644 → 0600, 0440 → 0400) and the volume's directory is 0700.
"""

from __future__ import annotations

import base64
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OWNER_ONLY = 0o700
DEFAULT_VOLUME_FILE_MODE = 0o644  # Kubernetes' defaultMode


def owner_only(mode: int) -> int:
    """``mode`` without group and other permissions."""
    return mode & OWNER_ONLY


class VolumeError(Exception):
    """A volume cannot be set up yet (kubelet's FailedMount); the pod keeps ContainerCreating."""


def pvc_dir(state_dir: Path, namespace: str, claim: str) -> Path:
    return state_dir / "volumes" / "pvc" / namespace / claim


def log_dir(state_dir: Path, namespace: str, pod: str, uid: str) -> Path:
    return state_dir / "logs" / f"{namespace}_{pod}_{uid}"


def pod_dir(state_dir: Path, namespace: str, pod: str, uid: str) -> Path:
    return state_dir / "pods" / f"{namespace}_{pod}_{uid}"


def decode_secret(secret: dict[str, Any]) -> dict[str, bytes]:
    data = {key: base64.b64decode(value) for key, value in (secret.get("data") or {}).items()}
    data.update({key: value.encode() for key, value in (secret.get("stringData") or {}).items()})
    return data


def decode_configmap(configmap: dict[str, Any]) -> dict[str, bytes]:
    data = {key: value.encode() for key, value in (configmap.get("data") or {}).items()}
    data.update({key: base64.b64decode(value) for key, value in (configmap.get("binaryData") or {}).items()})
    return data


def projected_files(data: dict[str, bytes], items: list[dict[str, Any]] | None) -> dict[str, bytes]:
    """Files of a secret/configMap volume: every key, or only ``items`` (key → path)."""
    if not items:
        return dict(data)
    return {item["path"]: data[item["key"]] for item in items if item.get("key") in data}


def sync_directory(directory: Path, files: dict[str, bytes], mode: int = DEFAULT_VOLUME_FILE_MODE) -> bool:
    """Make ``directory`` hold exactly ``files`` (owner-only); atomic per file. True when anything changed."""
    mode = owner_only(mode)
    directory.mkdir(mode=OWNER_ONLY, parents=True, exist_ok=True)
    directory.chmod(OWNER_ONLY)
    changed = False
    for relative, content in files.items():
        target = directory / relative
        if ".." in Path(relative).parts:
            continue  # kube rejects such paths at validation; never write outside the volume
        if target.is_file() and target.read_bytes() == content:
            if stat.S_IMODE(target.stat().st_mode) != mode:
                target.chmod(mode)
            continue
        target.parent.mkdir(mode=OWNER_ONLY, parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(content)
        temporary.replace(target)
        changed = True
    wanted = {str(Path(relative)) for relative in files}
    for existing in directory.rglob("*"):
        if existing.is_file() and str(existing.relative_to(directory)) not in wanted:
            existing.unlink()
            changed = True
    return changed


@dataclass(frozen=True)
class SourcedVolume:
    """A volume whose files come from API objects and must be refreshed."""

    name: str
    directory: Path
    sources: tuple[tuple[str, str, tuple[dict[str, Any], ...], bool], ...]  # (kind, name, items, optional)
    mode: int


def plan_volumes(pod: dict[str, Any], state_dir: Path, root: Path) -> tuple[dict[str, Path], list[SourcedVolume]]:
    """Host directory per volume name, plus the ones filled from Secrets/ConfigMaps."""
    namespace = pod["metadata"].get("namespace", "")
    paths: dict[str, Path] = {}
    sourced: list[SourcedVolume] = []
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        name = volume["name"]
        if "persistentVolumeClaim" in volume:
            paths[name] = pvc_dir(state_dir, namespace, volume["persistentVolumeClaim"]["claimName"])
        elif "hostPath" in volume:
            paths[name] = Path(volume["hostPath"]["path"])
        elif "secret" in volume or "configMap" in volume:
            kind = "secret" if "secret" in volume else "configMap"
            spec = volume[kind]
            object_name = spec.get("secretName" if kind == "secret" else "name", "")
            directory = root / "volumes" / kind / name
            mode = owner_only(int(spec.get("defaultMode", DEFAULT_VOLUME_FILE_MODE)))
            items = tuple(spec.get("items") or ())
            sourced.append(
                SourcedVolume(name, directory, ((kind, object_name, items, bool(spec.get("optional"))),), mode)
            )
            paths[name] = directory
        elif "projected" in volume:
            directory = root / "volumes" / "projected" / name
            sources = []
            for source in volume["projected"].get("sources") or []:
                for kind in ("secret", "configMap"):
                    if kind in source:
                        spec = source[kind]
                        sources.append(
                            (kind, spec.get("name", ""), tuple(spec.get("items") or ()), bool(spec.get("optional")))
                        )
            sourced.append(
                SourcedVolume(
                    name,
                    directory,
                    tuple(sources),
                    owner_only(int(volume["projected"].get("defaultMode", DEFAULT_VOLUME_FILE_MODE))),
                )
            )
            paths[name] = directory
        else:  # emptyDir and anything we do not model: a fresh per-pod directory
            paths[name] = root / "volumes" / "empty-dir" / name
    return paths, sourced


def container_mounts(container: dict[str, Any], volume_paths: dict[str, Path]) -> dict[str, str]:
    """Container mount path → host path, honouring ``subPath``."""
    mounts: dict[str, str] = {}
    for mount in container.get("volumeMounts") or []:
        host = volume_paths.get(mount.get("name", ""))
        if host is None:
            continue
        if mount.get("subPath"):
            host = host / mount["subPath"]
        mounts[mount["mountPath"]] = str(host)
    return mounts


def newer_version(version: str, than: str) -> bool:
    """Whether resourceVersion ``version`` is later than ``than`` (localkube's are increasing
    integers; anything else counts as newer when different)."""
    if version.isdigit() and than.isdigit():
        return int(version) > int(than)
    return version != than
