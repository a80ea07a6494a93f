"""String rewriting for a container's command, args and env: kube's ``$(VAR)`` expansion,
localkube placeholders (``{python}``, ``{port:8080}``, ...) and container mount paths → host dirs.

Mount paths are rewritten because a local process cannot see ``/workspace`` without root; a
container that was written for a real cluster then works unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_VAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_PLACEHOLDER = re.compile(r"\{(python|podDir|mapDir|port:(\d+))\}")
# Characters that continue a path component; a mount path only matches at a component boundary.
_PATH_CHARS = r"A-Za-z0-9_.\-"


def expand_var_refs(value: str, env: Mapping[str, str]) -> str:
    """Kubernetes' ``$(VAR)`` expansion: unknown references stay as written, ``$$`` escapes ``$``."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env.get(name, match.group(0))

    return _VAR_REF.sub(replace, value)


def substitute_placeholders(
    value: str, *, python: str, ports: Mapping[int, int], pod_dir: str = "", map_dir: str = ""
) -> str:
    """Replace ``{python}``, ``{port:N}``, ``{podDir}``, ``{mapDir}``; other braces are left alone
    so inline code such as ``python -c "print({1: 2})"`` survives."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "python":
            return python
        if key == "podDir":
            return pod_dir
        if key == "mapDir":
            return map_dir
        port = int(match.group(2))
        return str(ports[port]) if port in ports else match.group(0)

    return _PLACEHOLDER.sub(replace, value)


def rewrite_mount_paths(value: str, mounts: Mapping[str, str]) -> str:
    """Rewrite container paths under a mount (``/workspace``, ``/workspace/x``, ``--root=/workspace``)
    to the host directory; ``/workspaces`` or ``/a/workspace`` do not match. One pass, so a host
    directory that itself starts with another mount path (``/tmp/...``) is never rewritten twice."""
    # Never rewrite "/": every absolute path would move.
    targets = {path.rstrip("/"): host.rstrip("/") for path, host in mounts.items() if path.rstrip("/")}
    if not targets:
        return value
    alternatives = "|".join(re.escape(path) for path in sorted(targets, key=len, reverse=True))
    pattern = re.compile(rf"(?<![{_PATH_CHARS}/])(?:{alternatives})(?![{_PATH_CHARS}])")
    return pattern.sub(lambda match: targets[match.group(0)], value)


def rewrite_all(
    value: str,
    *,
    python: str,
    ports: Mapping[int, int],
    mounts: Mapping[str, str],
    pod_dir: str = "",
    map_dir: str = "",
) -> str:
    value = substitute_placeholders(value, python=python, ports=ports, pod_dir=pod_dir, map_dir=map_dir)
    return rewrite_mount_paths(value, mounts)
