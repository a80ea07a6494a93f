"""Readiness probes (httpGet, tcpSocket, exec) against a container's allocated host port."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    message: str = ""


def probe_port(port: Any, container: dict[str, Any]) -> int | None:
    """A probe's port: a number or the name of one of the container's ports."""
    if isinstance(port, int) or (isinstance(port, str) and port.isdigit()):
        return int(port)
    for declared in container.get("ports") or []:
        if declared.get("name") == port:
            return int(declared["containerPort"])
    return None


async def run_probe(
    probe: dict[str, Any], container: dict[str, Any], ports: Mapping[int, int], env: Mapping[str, str], cwd: str
) -> ProbeResult:
    timeout = float(probe.get("timeoutSeconds") or 1)
    if "httpGet" in probe:
        action = probe["httpGet"]
        port = probe_port(action.get("port"), container)
        if port is None or port not in ports:
            return ProbeResult(False, f"unknown probe port {action.get('port')!r}")
        scheme = str(action.get("scheme") or "HTTP").lower()
        url = f"{scheme}://127.0.0.1:{ports[port]}{action.get('path') or '/'}"
        headers = {header["name"]: header["value"] for header in action.get("httpHeaders") or []}
        headers.setdefault("User-Agent", "kube-probe/1.31")
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
                session.get(url, headers=headers, ssl=False, allow_redirects=False) as response,
            ):
                if 200 <= response.status < 400:
                    return ProbeResult(True)
                return ProbeResult(False, f"HTTP probe failed with statuscode: {response.status}")
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            return ProbeResult(False, f'Get "{url}": {error or type(error).__name__}')
    if "tcpSocket" in probe:
        port = probe_port(probe["tcpSocket"].get("port"), container)
        if port is None or port not in ports:
            return ProbeResult(False, "unknown probe port")
        try:
            _reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", ports[port]), timeout)
            writer.close()
            return ProbeResult(True)
        except (OSError, TimeoutError) as error:
            return ProbeResult(False, f"dial tcp 127.0.0.1:{ports[port]}: {error}")
    if "exec" in probe:
        command = list(probe["exec"].get("command") or [])
        try:
            completed = await asyncio.to_thread(
                subprocess.run, command, env=dict(env), cwd=cwd, capture_output=True, timeout=timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return ProbeResult(False, str(error))
        if completed.returncode == 0:
            return ProbeResult(True)
        return ProbeResult(False, completed.stdout.decode(errors="replace")[-200:])
    return ProbeResult(True)
