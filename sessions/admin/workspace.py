"""The workspace browser's reads, through the session's content service (as the API proxies them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ambient.contract import Phase
from ambient.exceptions import ApplicationError
from sessions.auth import Caller
from sessions.resource import phase_of
from sessions.services.workspace import Relayed, session_content_service, workspace_file_get, workspace_list

KubeObject = dict[str, Any]
# The console shows the start of a file; the API serves whole files.
WORKSPACE_PREVIEW_BYTES = 256 * 1024


@dataclass(frozen=True)
class Listing:
    items: list[dict[str, Any]] = field(default_factory=list)
    problem: str = ""
    parent: str | None = None


@dataclass(frozen=True)
class FilePreview:
    text: str = ""
    truncated: bool = False
    binary: bool = False
    problem: str = ""


def _names(session: KubeObject) -> tuple[str, str]:
    metadata = session.get("metadata") or {}
    return str(metadata.get("namespace") or ""), str(metadata.get("name") or "")


def _relayed_problem(relayed: Relayed) -> str:
    data = relayed.data if isinstance(relayed.data, dict) else {}
    return str(data.get("error") or f"The content service answered {relayed.status}.")


def workspace_listing(*, caller: Caller, session: KubeObject, path: str) -> Listing:
    if phase_of(session) != Phase.RUNNING:
        return Listing(problem="The workspace is browsable while the session is Running.")
    namespace, name = _names(session)
    parent = path.rpartition("/")[0] if path else None
    try:
        relayed = workspace_list(
            content=session_content_service(caller=caller, namespace=namespace, name=name), path=path
        )
    except ApplicationError as error:
        return Listing(problem=error.message, parent=parent)
    if relayed.status != 200:
        return Listing(problem=_relayed_problem(relayed), parent=parent)
    items = sorted(relayed.data.get("items") or [], key=lambda item: (not item.get("isDir"), item.get("name", "")))
    return Listing(items=items, parent=parent)


def workspace_file_preview(*, caller: Caller, session: KubeObject, path: str) -> FilePreview:
    if not path:
        return FilePreview(problem="Choose a file.")
    namespace, name = _names(session)
    try:
        answer = workspace_file_get(
            content=session_content_service(caller=caller, namespace=namespace, name=name), path=path
        )
    except ApplicationError as error:
        return FilePreview(problem=error.message)
    if isinstance(answer, Relayed):
        return FilePreview(problem=_relayed_problem(answer))
    read = bytearray()
    try:
        for chunk in answer.response.stream(64 * 1024):
            read.extend(chunk)
            if len(read) > WORKSPACE_PREVIEW_BYTES:
                break
    finally:
        # The rest of a long file is not wanted: drop the connection rather than read it to the end.
        answer.response.close()
        answer.response.release_conn()
    head = bytes(read[:WORKSPACE_PREVIEW_BYTES])
    if b"\x00" in head:
        return FilePreview(binary=True, truncated=len(read) > WORKSPACE_PREVIEW_BYTES)
    return FilePreview(text=head.decode("utf-8", errors="replace"), truncated=len(read) > WORKSPACE_PREVIEW_BYTES)
