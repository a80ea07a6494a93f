"""httpGet probes against a real listening socket: status codes, headers, refused and silent ports."""

from __future__ import annotations

import asyncio
import socket

import pytest

from localkube.runtime.probes import run_probe

CONTAINER = {"name": "app", "ports": [{"name": "http", "containerPort": 8080}]}


async def _server(status: str, seen: list[bytes]) -> asyncio.Server:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n".encode())
        await writer.drain()
        writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0)


def _probe(**http_get: object) -> dict[str, object]:
    return {"httpGet": {"port": "http", **http_get}, "timeoutSeconds": 1}


@pytest.mark.parametrize(("status", "ok"), [("200 OK", True), ("302 Found", True), ("503 Service Unavailable", False)])
def test_http_probe_reads_the_status_code(status: str, ok: bool) -> None:
    async def scenario() -> None:
        seen: list[bytes] = []
        server = await _server(status, seen)
        port = server.sockets[0].getsockname()[1]
        headers = [{"name": "X-Probe", "value": "yes"}, {"name": "user-agent", "value": "mine"}]
        result = await run_probe(_probe(path="/healthz", httpHeaders=headers), CONTAINER, {8080: port}, {}, "/")
        server.close()
        assert result.ok is ok
        if not ok:
            assert result.message == f"HTTP probe failed with statuscode: {status.split()[0]}"
        request = seen[0].decode()
        assert request.startswith("GET /healthz HTTP/1.1\r\n")
        assert f"Host: 127.0.0.1:{port}\r\n" in request
        assert "X-Probe: yes\r\n" in request and "user-agent: mine\r\n" in request
        assert "kube-probe" not in request  # the pod's own User-Agent replaces the default

    asyncio.run(scenario())


def test_http_probe_on_a_closed_port_says_connection_refused() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = asyncio.run(run_probe(_probe(path="/ready"), CONTAINER, {8080: port}, {}, "/"))
    assert not result.ok
    assert (
        result.message == f'Get "http://127.0.0.1:{port}/ready": dial tcp 127.0.0.1:{port}: connect: connection refused'
    )


def test_http_probe_that_gets_no_answer_times_out() -> None:
    async def scenario() -> None:
        server = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        result = await run_probe(_probe(path="/"), CONTAINER, {8080: port}, {}, "/")
        server.close()
        assert not result.ok
        assert "context deadline exceeded" in result.message

    asyncio.run(scenario())
