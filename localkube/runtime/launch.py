"""What exactly a mapped container runs: argv, environment and working directory. Pure."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localkube.runtime.imagemap import ImageEntry, container_argv
from localkube.runtime.process import POD_UID_ENV
from localkube.runtime.substitution import expand_var_refs, rewrite_all

# Passed through from localkube's own environment: enough to find interpreters and tools, without
# leaking the developer's or test runner's settings (tokens, KUBECONFIG) into "containers".
BASE_ENV_KEYS = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV", "SYSTEMROOT")


class CreateContainerError(Exception):
    """The container cannot be started as specified (no command, bad working dir)."""


@dataclass(frozen=True)
class Launch:
    argv: list[str]
    env: dict[str, str]
    cwd: Path


def container_ports(pod: dict[str, Any]) -> list[int]:
    """Every declared container port of the pod (init containers too), in spec order."""
    spec = pod.get("spec") or {}
    ports: list[int] = []
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        for port in container.get("ports") or []:
            number = int(port["containerPort"])
            if number not in ports:
                ports.append(number)
    return ports


def runtime_env(pod: dict[str, Any], ports: Mapping[int, int]) -> dict[str, str]:
    """Variables localkube injects into every container (pod env may reference them with $(VAR))."""
    metadata = pod.get("metadata") or {}
    env = {"HOSTNAME": metadata.get("name", ""), POD_UID_ENV: metadata.get("uid", "")}
    env.update({f"LOCALKUBE_HOST_PORT_{port}": str(host) for port, host in ports.items()})
    return env


def build_launch(
    *,
    entry: ImageEntry,
    container: dict[str, Any],
    pod: dict[str, Any],
    pod_env: Mapping[str, str],
    ports: Mapping[int, int],
    mounts: Mapping[str, str],
    pod_dir: Path,
    map_dir: str = "",
    host_env: Mapping[str, str],
    python: str = sys.executable,
) -> Launch:

    def rewrite(value: str) -> str:
        return rewrite_all(value, python=python, ports=ports, mounts=mounts, pod_dir=str(pod_dir), map_dir=map_dir)

    env: dict[str, str] = (
        dict(host_env) if entry.inherit_env else {key: host_env[key] for key in BASE_ENV_KEYS if key in host_env}
    )
    env.update({key: rewrite(value) for key, value in entry.env.items()})
    env.update(runtime_env(pod, ports))
    env.update({key: rewrite(value) for key, value in pod_env.items()})

    raw_argv = container_argv(entry, container.get("command"), container.get("args"))
    if not raw_argv:
        raise CreateContainerError(f'no command specified for container "{container.get("name")}"')
    argv = [rewrite(expand_var_refs(part, env)) for part in raw_argv]

    working_dir = container.get("workingDir") or (entry.working_dir and rewrite(entry.working_dir))
    if working_dir:
        cwd = Path(rewrite(working_dir))
        if not cwd.is_dir():
            # An image directory we do not have: give the process a private stand-in for it.
            cwd = pod_dir / "rootfs" / str(working_dir).lstrip("/")
    else:
        cwd = pod_dir
    return Launch(argv=argv, env=env, cwd=cwd)
