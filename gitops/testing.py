"""A real git server for tests: bare repositories served over smart HTTP(S) by `git http-backend`.

`git http-backend` is git's own CGI program for the smart protocol; this module is only the small
HTTP front that CGI needs (Python has no maintained CGI host), plus token auth: `Authorization:
Basic <any user>:<token>` or `Bearer <token>`. Without a valid token every request is 401 (with a
Basic challenge, so git asks its GIT_ASKPASS), unless `anonymous_read` lets clones and fetches
through. TLS uses localkube's throwaway CA, so https-only URL rules hold in tests; point git at
`ca_path` (GIT_SSL_CAINFO).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from localkube.tls import ensure_certificates, server_ssl_context

IDENTITY = {
    "GIT_AUTHOR_NAME": "Remote Author",
    "GIT_AUTHOR_EMAIL": "remote@example.com",
    "GIT_COMMITTER_NAME": "Remote Author",
    "GIT_COMMITTER_EMAIL": "remote@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}
_READ_SERVICES = ("git-upload-pack",)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    user: str | None
    status: int


class GitServer:
    """Start with `start()`, stop with `stop()`; repositories live under `root` as `<name>.git`."""

    def __init__(self, root: Path, *, token: str, anonymous_read: bool = False, tls: bool = True) -> None:
        self.root = root
        self.token = token
        self.anonymous_read = anonymous_read
        self.tls = tls
        self.requests: list[RecordedRequest] = []
        self._certificates = Path(tempfile.mkdtemp(prefix="git-server-tls-"))
        self.ca_path, cert_path, key_path = ensure_certificates(self._certificates)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _GitRequestHandler)
        self._httpd.daemon_threads = True
        self._httpd.git_server = self  # type: ignore[attr-defined]  # the handler finds its server here
        if tls:
            context = server_ssl_context(cert_path, key_path)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="git-server", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host!s}:{port}"

    def url_for(self, name: str) -> str:
        return f"{self.base_url}/{name}.git"

    def start(self) -> GitServer:
        self.root.mkdir(parents=True, exist_ok=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        shutil.rmtree(self._certificates, ignore_errors=True)

    def git_environment(self) -> dict[str, str]:
        """Environment for a plain `git` client process that trusts this server."""
        return {"GIT_SSL_CAINFO": str(self.ca_path)}

    # Repositories -----------------------------------------------------------------------------

    def bare_path(self, name: str) -> Path:
        return self.root / f"{name}.git"

    def create_repository(
        self, name: str, files: Mapping[str, str | bytes] | None = None, *, branch: str = "main"
    ) -> str:
        """A bare repository, with one commit of `files` on `branch` when given; returns its URL."""
        bare = self.bare_path(name)
        _git(["init", "--quiet", "--bare", f"--initial-branch={branch}", str(bare)], cwd=self.root)
        if files:
            self.commit(name, files, branch=branch, message="initial commit")
        return self.url_for(name)

    def commit(
        self,
        name: str,
        files: Mapping[str, str | bytes | None],
        *,
        branch: str = "main",
        message: str = "remote change",
    ) -> str:
        """Commit `files` (None deletes) on `branch` of the bare repository, as another user would.

        Written straight into the bare repository by `git fast-import` (one process), not cloned,
        committed and pushed back (a dozen processes and a working tree each time)."""
        bare = str(self.bare_path(name))
        exists = _git(["--git-dir", bare, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"], check=False)
        body = message.encode() + b"\n"
        stream = [
            f"commit refs/heads/{branch}\n".encode(),
            f"committer {IDENTITY['GIT_COMMITTER_NAME']} <{IDENTITY['GIT_COMMITTER_EMAIL']}> now\n".encode(),
            f"data {len(body)}\n".encode() + body,
        ]
        if exists.returncode == 0:
            stream.append(f"from refs/heads/{branch}^0\n".encode())
        for relative, content in files.items():
            path = _quoted(relative)
            if content is None:
                stream.append(b"D " + path + b"\n")
                continue
            data = content.encode() if isinstance(content, str) else content
            stream.append(b"M 100644 inline " + path + b"\n" + f"data {len(data)}\n".encode() + data + b"\n")
        subprocess.run(
            ["git", "--git-dir", bare, "fast-import", "--quiet", "--date-format=now"],
            input=b"".join(stream),
            capture_output=True,
            check=True,
            env={**os.environ, **IDENTITY},
        )
        return _git(["--git-dir", bare, "rev-parse", f"refs/heads/{branch}"]).stdout.strip()

    def read_file(self, name: str, path: str, *, branch: str = "main") -> bytes:
        result = subprocess.run(
            ["git", "--git-dir", str(self.bare_path(name)), "show", f"refs/heads/{branch}:{path}"],
            capture_output=True,
            check=True,
            env={**os.environ, **IDENTITY},
        )
        return result.stdout

    def branches(self, name: str) -> list[str]:
        result = _git(
            ["--git-dir", str(self.bare_path(name)), "for-each-ref", "--format=%(refname:short)", "refs/heads"]
        )
        return sorted(line for line in result.stdout.splitlines() if line)

    def head(self, name: str, *, branch: str = "main") -> str:
        return _git(["--git-dir", str(self.bare_path(name)), "rev-parse", f"refs/heads/{branch}"]).stdout.strip()

    # Requests ---------------------------------------------------------------------------------

    def authenticate(self, header: str | None) -> str | None:
        """The user a request authenticates as, or None."""
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            return "bearer" if hmac.compare_digest(value.strip().encode(), self.token.encode()) else None
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
            return (user or "basic") if hmac.compare_digest(password.encode(), self.token.encode()) else None
        return None


def _quoted(path: str) -> bytes:
    """A path as fast-import reads it: C-style quoted, so spaces, quotes or newlines in it are literal."""
    escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return b'"' + escaped.encode() + b'"'


def _git(arguments: list[str], *, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *arguments], cwd=cwd, capture_output=True, text=True, check=check, env={**os.environ, **IDENTITY}
    )


class _GitRequestHandler(BaseHTTPRequestHandler):
    server_version = "ambient-test-git/1"
    # Keep-alive: one git command's requests (the 401 challenge, refs, packs) share one TLS
    # connection, as they do with a real forge, instead of a handshake and a CA-store load each.
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle kept-alive connection ends its thread
    disable_nagle_algorithm = True  # headers and body are two writes; the second must not wait for an ACK

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        """Quiet: requests are recorded on the server object instead."""

    def _serve(self) -> None:
        git_server: GitServer = self.server.git_server  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        user = git_server.authenticate(self.headers.get("Authorization"))
        reading = parts.path.endswith(_READ_SERVICES) or "service=git-upload-pack" in parts.query
        body = self._read_body()  # even when refused: the connection stays usable for the next request
        if user is None and not (git_server.anonymous_read and reading):
            self._reply(git_server, parts.path, user, 401, {"WWW-Authenticate": 'Basic realm="git"'}, b"unauthorized\n")
            return
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(git_server.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": self.client_address[0],
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
        }
        if user is not None:
            environment["REMOTE_USER"] = user  # http-backend allows pushes only for an authenticated user
        for header, variable in (("Content-Encoding", "HTTP_CONTENT_ENCODING"), ("Git-Protocol", "GIT_PROTOCOL")):
            if self.headers.get(header):
                environment[variable] = self.headers[header]
        result = subprocess.run(
            ["git", "http-backend"], input=body, capture_output=True, env=environment, timeout=120, check=False
        )
        head, _, payload = result.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = result.stdout.partition(b"\n\n")
        status, headers = 200, {}
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers[name.strip()] = value.strip()
        self._reply(git_server, parts.path, user, status, headers, payload)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(
        self, git_server: GitServer, path: str, user: str | None, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        git_server.requests.append(RecordedRequest(self.command, path, user, status))
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in {"content-length", "connection"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def ssl_client_context(server: GitServer) -> ssl.SSLContext:
    """A client context trusting the server's CA (for tests that speak HTTP to it directly)."""
    return ssl.create_default_context(cafile=str(server.ca_path))
