"""Readiness probes (httpGet, tcpSocket, exec) against a container's allocated host port."""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Enough for any status line; a longer first line is not HTTP.
MAX_STATUS_LINE = 4096


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
        path = str(action.get("path") or "/")
        url = f"{scheme}://127.0.0.1:{ports[port]}{path}"
        given = {str(header["name"]): header["value"] for header in action.get("httpHeaders") or []}
        defaults = {"Host": f"127.0.0.1:{ports[port]}", "User-Agent": "kube-probe/1.31", "Accept": "*/*"}
        chosen = {name.lower() for name in given}
        headers = {**{k: v for k, v in defaults.items() if k.lower() not in chosen}, **given}
        try:
            async with asyncio.timeout(timeout):
                status = await _http_status(ports[port], scheme == "https", path, headers)
        except TimeoutError:
            return ProbeResult(
                False, f'Get "{url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
            )
        except ConnectionRefusedError:
            return ProbeResult(False, f'Get "{url}": dial tcp 127.0.0.1:{ports[port]}: connect: connection refused')
        except (OSError, ValueError) as error:
            return ProbeResult(False, f'Get "{url}": {error or type(error).__name__}')
        if 200 <= status < 400:
            return ProbeResult(True)
        return ProbeResult(False, f"HTTP probe failed with statuscode: {status}")
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


async def _http_status(port: int, tls: bool, path: str, headers: Mapping[str, str]) -> int:
    """The status code of one GET, on a connection of its own closed afterwards (the kubelet's
    probes do not keep connections alive either). A few lines on a socket instead of an HTTP client
    session: a few hundred pods each probed every few seconds made the client's set-up and
    connector machinery a sizable share of the server's CPU."""
    lines = [f"GET {path} HTTP/1.1"]
    lines += [f"{name}: {_header_value(value)}" for name, value in headers.items()]
    request = ("\r\n".join([*lines, "Connection: close", "", ""])).encode("latin-1", errors="replace")
    if tls:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=_unverified_context())
        try:
            writer.write(request)
            status_line = await reader.readline()
        finally:
            writer.close()
        return _status_code(status_line)
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as connection:
        connection.setblocking(False)
        await loop.sock_connect(connection, ("127.0.0.1", port))
        await loop.sock_sendall(connection, request)
        received = b""
        while b"\n" not in received and len(received) < MAX_STATUS_LINE:
            chunk = await loop.sock_recv(connection, MAX_STATUS_LINE)
            if not chunk:
                break
            received += chunk
    return _status_code(received.split(b"\n", 1)[0])


@functools.cache
def _unverified_context() -> ssl.SSLContext:
    """The kubelet does not verify a probe's certificate either."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


def _header_value(value: object) -> str:
    return str(value).replace("\r", " ").replace("\n", " ")


def _status_code(status_line: bytes) -> int:
    """``HTTP/1.1 200 OK`` → 200; anything else is a malformed response."""
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        raise ValueError("malformed HTTP response")
    return int(parts[1])
