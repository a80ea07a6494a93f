"""`python -m runner`: run the session's agent and exit with the code the reconciler maps to a phase.

0 the agent finished (or the user ended the session), 1 the agent or its SDK failed, 2 something
it needs is missing (workspace, credentials, SDK), 143 SIGTERM after a clean shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from runner.config import RunnerConfig
from runner.session import RunnerSession


async def _main() -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    return await RunnerSession(RunnerConfig.from_env(), stop).run()


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s runner %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    return asyncio.run(_main())


if __name__ == "__main__":
    sys.exit(main())
