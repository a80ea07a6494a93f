"""A stand-in content service on a real port, for the api proxy tests until a session pod serves one.

It speaks the content routes the api proxies (API.md "content service"), over real HTTP, with the
same token rule (bearer or `X-Ambient-Content-Token`), on a real directory; it records what it got.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.content.fake_http import JSONHandler, serve, shut

CHUNK = 64 * 1024


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class FakeContentService:
    token: str
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="fake-content-")))
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    def start(self) -> FakeContentService:
        service = self

        class Handler(JSONHandler):
            def _handle(self) -> None:
                parts = urlsplit(self.path)
                query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
                headers = {key.lower(): value for key, value in self.headers.items()}
                record = Received(self.command, parts.path, query, headers)
                service.received.append(record)
                bearer = headers.get("authorization", "").removeprefix("Bearer ")
                if service.token not in (headers.get("x-ambient-content-token"), bearer):
                    self._drain()
                    self._answer(401, {"error": "content token required", "code": "unauthenticated", "details": {}})
                    return
                route = (self.command, parts.path)
                target = service.root / query.get("path", "")
                if route == ("GET", "/workspace/list"):
                    items = (
                        [
                            {
                                "name": p.name,
                                "path": str(p.relative_to(service.root)),
                                "isDir": p.is_dir(),
                                "size": p.stat().st_size,
                                "modifiedAt": "2026-01-01T00:00:00Z",
                            }
                            for p in sorted(target.iterdir())
                        ]
                        if target.is_dir()
                        else []
                    )
                    self._answer(200, {"items": items})
                elif route == ("GET", "/workspace/file"):
                    if not target.is_file():
                        self._answer(404, {"error": "not found", "code": "not_found", "details": {}})
                        return
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(target.stat().st_size))
                    self.end_headers()
                    with target.open("rb") as source:
                        shutil.copyfileobj(source, self.wfile, CHUNK)
                elif route == ("PUT", "/workspace/file"):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with target.open("wb") as sink:
                        remaining = int(headers.get("content-length") or 0)
                        while remaining:
                            chunk = self.rfile.read(min(CHUNK, remaining))
                            if not chunk:
                                break
                            sink.write(chunk)
                            remaining -= len(chunk)
                    self._answer(200, {"message": "written"})
                elif route == ("POST", "/git/pull"):
                    record.body = self._drain()
                    self._answer(
                        409,
                        {
                            "error": "merge conflict",
                            "code": "merge_conflict",
                            "details": {"conflictingFiles": ["README.md"]},
                        },
                    )
                elif self.command == "POST" and parts.path.startswith("/git/"):
                    record.body = self._drain()
                    self._answer(200, {"message": f"{parts.path[5:]} done", "branch": "main"})
                elif route == ("GET", "/git/status"):
                    self._answer(200, {"initialized": False, "hasChanges": False})
                elif route == ("GET", "/workflow/metadata"):
                    self._answer(200, {"commands": [{"id": "plan"}], "agents": [], "config": {}})
                else:
                    self._drain()
                    self._answer(404, {"error": f"no route {parts.path}", "code": "not_found", "details": {}})

            def _drain(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            do_GET = do_PUT = do_POST = do_DELETE = _handle

        self.server = serve(Handler, "fake-content")
        return self

    def stop(self) -> None:
        shut(self.server)
        shutil.rmtree(self.root, ignore_errors=True)
