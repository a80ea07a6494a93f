"""``localkube serve`` (or ``python -m localkube serve``): run the API server, and the runtime if
installed, until SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from localkube.faults import FaultConfig
from localkube.server import Controller, LocalKubeServer


def default_controllers() -> list[Controller]:
    """The runtime's controllers (Job controller, kubelet) when that package is present."""
    try:
        from localkube.runtime import start_controllers  # noqa: PLC0415
    except ImportError:
        return []
    return [start_controllers]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="localkube", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the embedded Kubernetes API server")
    serve.add_argument("--port", type=int, default=6443)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--state-dir", type=Path, default=Path(".ambient/localkube"))
    serve.add_argument("--tokens", type=Path, default=None, help='static tokens CSV: token,user,uid,"g1,g2"')
    serve.add_argument("--image-map", type=Path, default=None, help="image → local command mapping for the runtime")
    serve.add_argument("--watch-history", type=int, default=10000, help="watch events kept for resuming")
    serve.add_argument("--bookmark-interval", type=float, default=10.0, help="seconds between watch BOOKMARKs")
    serve.add_argument(
        "--request-log-size", type=int, default=10000, help="requests kept for /localkube/requests (benches count them)"
    )
    serve.add_argument("--no-controllers", action="store_true", help="do not start the pod runtime")
    serve.add_argument("--no-fsync", action="store_true", help="skip fsync on journal writes (faster, less safe)")
    serve.add_argument("--fault-seed", type=int, default=0)
    serve.add_argument("--fault-write-error-rate", type=float, default=0.0)
    serve.add_argument("--fault-write-error-codes", default="409,500")
    serve.add_argument("--fault-latency-ms", type=float, default=0.0)
    serve.add_argument("--fault-watch-drop-rate", type=float, default=0.0)
    serve.add_argument("--fault-watch-expire-rate", type=float, default=0.0)
    serve.add_argument(
        "--loop",
        choices=("auto", "uvloop", "asyncio"),
        default="auto",
        help="event loop: uvloop when installed (auto), or the standard library's",
    )
    serve.add_argument("-v", "--verbose", action="store_true")
    return parser


# The state directory holds every Secret, the admin token and the pods' volumes: owner-only,
# so other users of the host can read none of it.
STATE_DIR_MODE = 0o700
PRIVATE_UMASK = 0o077


def _private_state_dir(state_dir: Path) -> None:
    os.umask(PRIVATE_UMASK)
    state_dir.mkdir(mode=STATE_DIR_MODE, parents=True, exist_ok=True)
    state_dir.chmod(STATE_DIR_MODE)


def _profile_on_signals(loop: asyncio.AbstractEventLoop, path: Path) -> None:
    """SIGUSR1 starts cProfile on the event loop's thread, SIGUSR2 stops it and writes ``path``
    (pstats format): to see where a stretch of load, e.g. a bench's burst, spends the server's CPU."""
    profiler = cProfile.Profile(time.thread_time)
    loop.add_signal_handler(signal.SIGUSR1, profiler.enable)

    def dump() -> None:
        profiler.disable()
        profiler.dump_stats(path)

    loop.add_signal_handler(signal.SIGUSR2, dump)


async def _serve(args: argparse.Namespace) -> None:
    _private_state_dir(args.state_dir)
    faults = FaultConfig(
        seed=args.fault_seed,
        write_error_rate=args.fault_write_error_rate,
        write_error_codes=[int(code) for code in args.fault_write_error_codes.split(",") if code.strip()],
        latency_ms=args.fault_latency_ms,
        watch_drop_rate=args.fault_watch_drop_rate,
        watch_expire_rate=args.fault_watch_expire_rate,
    )
    server = LocalKubeServer(
        args.state_dir,
        host=args.host,
        port=args.port,
        tokens_file=args.tokens,
        image_map_file=args.image_map,
        watch_history=args.watch_history,
        controllers=[] if args.no_controllers else default_controllers(),
        faults=faults,
        bookmark_interval=args.bookmark_interval,
        request_log_size=args.request_log_size,
        fsync=not args.no_fsync,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    profile_path = os.environ.get("LOCALKUBE_PROFILE")
    if profile_path:
        _profile_on_signals(loop, Path(profile_path))
    await server.start()
    sys.stdout.write(json.dumps({"url": server.url, "kubeconfig": str(server.kubeconfig_path.resolve())}) + "\n")
    sys.stdout.write(f"localkube ready: export KUBECONFIG={server.kubeconfig_path.resolve()}\n")
    sys.stdout.flush()
    await stop.wait()
    await server.stop()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.command == "serve":
        with asyncio.Runner(loop_factory=_loop_factory(args.loop)) as runner:
            runner.run(_serve(args))
    return 0


def _loop_factory(choice: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when installed (or asked for): its transports, TLS and callbacks are compiled,
    where the standard loop runs them in Python, and they are much of the server's CPU per request.
    None: asyncio's own loop."""
    if choice == "asyncio":
        return None
    try:
        import uvloop  # noqa: PLC0415 - optional
    except ImportError:
        if choice == "uvloop":
            raise SystemExit("localkube: --loop uvloop needs the uvloop package (pip install uvloop)") from None
        return None
    return uvloop.new_event_loop
