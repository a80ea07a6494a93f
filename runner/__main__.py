"""`python -m runner`: run the session's agent and exit with the code the reconciler maps to a phase.

Only the deterministic `echo` backend exists so far; the WebSocket chat loop and the `claude`
backend arrive with the chat and runner issue.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from ambient.contract import (
    EXIT_PREREQUISITES_MISSING,
    EXIT_SIGTERM,
    EXIT_SUCCESS,
    WORKSPACE_PATH,
    RunnerEnv,
)


def main() -> int:
    workspace = Path(os.environ.get(RunnerEnv.WORKSPACE_PATH, WORKSPACE_PATH))
    if not workspace.is_dir():
        print(f"runner: workspace {workspace} is missing", file=sys.stderr)  # noqa: T201 - container log
        return EXIT_PREREQUISITES_MISSING
    backend = os.environ.get("AGENT_BACKEND", "echo")
    if backend != "echo":
        print(f"runner: agent backend {backend!r} is not available in this build", file=sys.stderr)  # noqa: T201
        return EXIT_PREREQUISITES_MISSING
    prompt = os.environ.get(RunnerEnv.INITIAL_PROMPT, "")
    artifacts = workspace / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "echo-transcript.md").write_text(f"# Prompt\n\n{prompt}\n\n# Reply\n\necho: {prompt}\n")
    print(f"runner: echo backend answered a {len(prompt)}-character prompt", flush=True)  # noqa: T201
    if os.environ.get(RunnerEnv.INTERACTIVE, "false").lower() != "true":
        return EXIT_SUCCESS
    # Interactive sessions stay up until stopped; the reconciler stops them by deleting the Job.
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    return EXIT_SIGTERM


if __name__ == "__main__":
    sys.exit(main())
