"""Stand-in for the content image in end-to-end tests whose subject is not the content service.

The real sidecar (gunicorn loading the content app) costs ~1 s of CPU per session pod, and the e2e
files start dozens of sessions whose reconcile never calls it: a session without repos or a
workflow only waits for its readiness probe. As the sidecar (`python fake_content.py PORT`) this
answers that probe and nothing else (404), so a call the test did not expect fails loudly; SIGTERM
ends it. The workspace init container runs the same image (an image map replaces the command of
both): without the sidecar's WORKSPACE_ROOT, it makes the workspace directories as that one does.
"""

import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ambient.contract import CONTENT_HEALTH_PATH, WORKSPACE_DIRECTORIES


class Probe(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path.split("?", 1)[0] == CONTENT_HEALTH_PATH else 404
        body = b'{"status": "ok"}' if status == 200 else b"{}"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def main() -> int:
    if "WORKSPACE_ROOT" not in os.environ:  # the init container (localkube maps its WORKSPACE_PATH)
        for directory in WORKSPACE_DIRECTORIES:
            os.makedirs(os.path.join(os.environ["WORKSPACE_PATH"], directory), exist_ok=True)
        return 0
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Probe).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
