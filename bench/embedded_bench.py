"""One session at a time in the embedded stack (`manage.py run_embedded`), as a user would see it.

Starts run_embedded on free ports with a state directory of its own (AMBIENT_STATE_DIR), then 20
times: create an interactive session through the API (the demo user's token), time create →
first status and create → Running with a watch on localkube, delete it, wait until it is gone.
Prints a table, then one JSON line. Usage: python bench/embedded_bench.py [--sessions 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.test")

from django.conf import settings  # noqa: E402

from ambient import kube  # noqa: E402
from bench.helpers.embedded import PROJECT, api, start_stack, stop_stack  # noqa: E402
from bench.helpers.report import figures_print  # noqa: E402
from bench.helpers.support import SessionWatch, median, percentile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="sessions created one after another")
    options = parser.parse_args()
    state_dir = Path(tempfile.mkdtemp(prefix="embedded-bench-"))
    log = state_dir.parent / f"{state_dir.name}.log"
    stack = start_stack(state_dir, log)
    token = stack.token
    base = f"{stack.api_base}/api/projects/{PROJECT}/agentic-sessions"
    first_status: list[float] = []
    running: list[float] = []
    watch = None
    try:
        settings.KUBECONFIG = str(stack.kubeconfig)
        watch = SessionWatch(kube.control_plane_gateway(), PROJECT).start()

        def is_running(name: str) -> bool:
            return name in watch.running

        for index in range(options.sessions):
            created = time.monotonic()
            session = api("POST", base, token, {"initialPrompt": f"bench {index}", "interactive": True})
            name = str(session["metadata"]["name"])
            watch.wait(partial(is_running, name), 120, f"{name} Running")
            first_status.append(watch.status_seen[name] - created)
            running.append(watch.running[name] - created)
            print(f"  {name}: first status {first_status[-1]:.2f} s, Running {running[-1]:.2f} s", flush=True)
            api("DELETE", f"{base}/{name}", token)
        broker = stack.broker
    finally:
        if watch is not None:
            watch.stop()
        stop_stack(stack)
        shutil.rmtree(state_dir, ignore_errors=True)

    figures = {
        "create_to_first_status_p50_s": round(median(first_status), 3),
        "create_to_first_status_p99_s": round(percentile(first_status, 0.99), 3),
        "create_to_running_p50_s": round(median(running), 3),
        "create_to_running_p99_s": round(percentile(running, 0.99), 3),
        "sessions_count": len(running),
    }
    goals = {"create_to_first_status_p50_s": "≤ 0.5", "create_to_running_p50_s": "≤ 2"}
    print(f"\nembedded stack, broker: {broker}; sessions created one after another")
    figures_print(figures, goals)


if __name__ == "__main__":
    main()
