"""Stand-in for the runner image in end-to-end tests; its behaviour comes from the session's env.

FAKE_RUNNER_RELEASE_FILE  wait until this file exists (lets a test hold the session in Running)
FAKE_RUNNER_ALLOCATE_MB   then hold this much more memory, 16 MB at a time (to cross a memory limit)
FAKE_RUNNER_SLEEP         then sleep this many seconds ("forever": until SIGTERM)
FAKE_RUNNER_EXIT          then exit with this code (default 0)
SIGTERM exits 143, as the real runner does after a clean shutdown (RUNNER.md).
"""

import os
import signal
import sys
import time
from pathlib import Path


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    release = os.environ.get("FAKE_RUNNER_RELEASE_FILE")
    while release and not Path(release).exists():
        time.sleep(0.2)
    held = [bytearray(16 * 2**20) for _ in range(int(os.environ.get("FAKE_RUNNER_ALLOCATE_MB", "0")) // 16)]
    sleep = os.environ.get("FAKE_RUNNER_SLEEP", "0")
    if sleep == "forever":
        while True:
            time.sleep(3600)
    time.sleep(float(sleep))
    del held
    return int(os.environ.get("FAKE_RUNNER_EXIT", "0"))


if __name__ == "__main__":
    sys.exit(main())
