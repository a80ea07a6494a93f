"""A streamed (chunked) upload over the content service's file limit answers its 413 through the
api's proxy on both routes, not a 503 "Broken pipe": the content service reads and drops the rest
of the body before answering, so every proxy in front finishes writing and reads the answer."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from sessions.auth import Caller
from sessions.services import workspace as workspace_services

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

LIMIT = 1024 * 1024
CHUNK = b"x" * 65536


@pytest.fixture(params=["direct", "service-proxy"])
def limited(request, project, running_session, content_token, content_process, direct_route, service_proxy_route):
    """A Running session "s1" whose real content service accepts files up to LIMIT bytes."""
    running_session(project, "s1")
    service = content_process(content_token(project, "s1"), environment={"CONTENT_MAX_FILE_BYTES": str(LIMIT)})
    if request.param == "direct":
        direct_route(service)
    else:
        service_proxy_route(project, "s1", service)
    return service


def _chunks(total: int) -> Iterator[bytes]:
    for _ in range(total // len(CHUNK)):
        yield CHUNK


def _put(admin_token: str, project: str, total: int) -> workspace_services.Relayed:
    content = workspace_services.session_content_service(caller=Caller(token=admin_token), namespace=project, name="s1")
    # No length: urllib3 sends the body chunked, as the api does for a chunked upload.
    return workspace_services.workspace_file_put(
        content=content, path="artifacts/huge.bin", body=_chunks(total), length=None, content_type=""
    )


def test_a_chunked_upload_over_the_limit_answers_413(limited, project, admin_token):
    relayed = _put(admin_token, project, 32 * LIMIT)

    assert relayed.status == 413, relayed.data
    answer = relayed.data
    assert answer["code"] == "payload_too_large"
    assert answer["details"]["maxBytes"] == LIMIT
    assert not (limited.workspace / "artifacts" / "huge.bin").exists()


def test_a_chunked_upload_under_the_limit_is_written(limited, project, admin_token):
    relayed = _put(admin_token, project, LIMIT // 2)

    assert relayed.status == 200, relayed.data
    assert (limited.workspace / "artifacts" / "huge.bin").stat().st_size == LIMIT // 2


def test_the_content_service_reads_the_whole_oversized_body_before_it_closes(content_process):
    """The sender (a proxy) can always finish writing and then read the 413: no reset mid-body."""
    token = "t" * 32
    service = content_process(token, environment={"CONTENT_MAX_FILE_BYTES": str(LIMIT)})
    head = (
        "PUT /workspace/file?path=artifacts/huge.bin HTTP/1.1\r\nHost: content\r\n"
        f"Authorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    chunk = f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n"
    with socket.create_connection(("127.0.0.1", service.port), timeout=30) as connection:
        connection.sendall(head)
        for _ in range(16 * LIMIT // len(CHUNK)):
            connection.sendall(chunk)  # a reset here is the broken pipe a proxy would turn into 503
        connection.sendall(b"0\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += connection.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert not (service.workspace / "artifacts" / "huge.bin").exists()
