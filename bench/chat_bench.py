"""Chat fan-out under load: 200 WebSocket clients on 50 sessions, 20 messages each, across api processes.

One run: starts an in-process localkube (TokenReview, access reviews, the CRs), a fresh PostgreSQL
database (SQLite when none answers) and `--processes` api processes (`python -m ambient.asgi_server`,
one uvicorn worker each) sharing the machine's Redis (else a private redis-server) as the channel
layer. Clients of one session are spread over the api processes, so every broadcast crosses Redis;
the clients themselves run in `--client-processes` processes. Each client sends `--messages`
messages and must receive every message of its session exactly once, in the same id order as the
session's other clients and in each sender's order. Prints a table, then one line of JSON.

    .venv/bin/python bench/chat_bench.py [--clients 200] [--sessions 50] [--messages 20] [--processes 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.test")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

from ambient import kube  # noqa: E402
from ambient.contract import API_VERSION, KIND, Phase  # noqa: E402
from bench.helpers.report import figures_print  # noqa: E402
from bench.helpers.support import percentile, project_admin_grant, rss_mb  # noqa: E402
from localkube.testing import LocalKube, free_port  # noqa: E402

# The machine's PostgreSQL and Redis when they answer; else SQLite and a private redis-server.
POSTGRES = os.environ.get("CHAT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("CHAT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
GOALS = {"lost_messages": "0", "out_of_order": "0"}


@dataclass
class Received:
    """What one client saw: (message id, sender client, sender's sequence number, latency ms)."""

    frames: list[tuple[int, int, int, float]] = field(default_factory=list)
    # The two halves of each latency (wall clock): sent → stored by the api, stored → delivered.
    stored_ms: list[float] = field(default_factory=list)
    delivered_ms: list[float] = field(default_factory=list)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def seed(localkube: LocalKube, sessions: int) -> tuple[str, str]:
    """A managed project with `sessions` Running sessions and an admin's token."""
    project = localkube.create_namespace("chat-bench-")
    gateway = kube.control_plane_gateway()
    token = localkube.create_user("chat-bench@example.com")
    project_admin_grant(gateway, project, "chat-bench@example.com")
    for index in range(sessions):
        name = f"chat-{index:03d}"
        body = {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": name}, "spec": {"interactive": True}}
        gateway.create(kube.SESSION, project, body)
        status = {"status": {"phase": Phase.RUNNING.value}}
        gateway.patch(kube.SESSION, project, name, status, subresource="status")
    return project, token


def database_create(name: str, state: Path) -> str:
    """A fresh PostgreSQL database, or a SQLite file when no PostgreSQL answers."""
    try:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=3) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')  # the name is ours, made of [a-z0-9_]
    except psycopg.OperationalError:
        print(f"no PostgreSQL at {POSTGRES}: SQLite (one writer at a time)")
        return f"sqlite:///{state / 'db.sqlite3'}"
    return f"{POSTGRES}/{name}"


def redis_url(log_directory: Path) -> tuple[str, Any]:
    """The machine's Redis, or a private redis-server (returned so it can be stopped)."""
    client = redis.Redis.from_url(REDIS, socket_connect_timeout=1)
    try:
        client.ping()
        return REDIS, None
    except redis.RedisError:
        from tests.e2e.processes import RedisServer

        server = RedisServer(log_directory).start()
        return server.url, server
    finally:
        client.close()


def database_drop(name: str, url: str) -> None:
    if url.startswith("sqlite"):
        return
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def api_environment(
    kubeconfig: Path, database_url: str, layer_url: str, state: Path, options: argparse.Namespace
) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "KUBE"))}
    environment.update(
        DJANGO_SETTINGS_MODULE="ambient.settings.local",
        DJANGO_DEBUG="false",
        # Persistent connections: the consumers' database work runs on one thread per process.
        DATABASE_CONN_MAX_AGE=str(options.conn_max_age),
        CHANNEL_LAYER_BACKEND=options.layer,
        AMBIENT_STATE_DIR=str(state),
        KUBECONFIG=str(kubeconfig),
        DATABASE_URL=database_url,
        REDIS_URL=layer_url,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO_ROOT),
    )
    return environment


def wait_for_port(port: int, deadline: float) -> None:
    import socket

    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"api on port {port} did not start")


async def client(
    index: int,
    url: str,
    token: str,
    options: argparse.Namespace,
    expected: int,
    connected: asyncio.Barrier,
    go: asyncio.Event,
    received: Received,
) -> None:
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=2**20) as socket:
        await connected.wait()
        await go.wait()  # nobody sends before every client of every process listens

        async def listen() -> None:
            while len(received.frames) < expected:
                frame = json.loads(await socket.recv())
                arrived, arrived_wall = time.perf_counter(), time.time()
                payload = frame["payload"]
                # perf_counter is CLOCK_MONOTONIC: comparable between the bench's client processes.
                latency = (arrived - payload["sent"]) * 1000
                received.frames.append((frame["id"], payload["client"], payload["seq"], latency))
                stored = datetime.strptime(frame["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
                received.stored_ms.append((stored - payload["sent_wall"]) * 1000)
                received.delivered_ms.append((arrived_wall - stored) * 1000)

        listener = asyncio.create_task(listen())
        for sequence in range(options.messages):
            message = {
                "content": "bench",
                "client": index,
                "seq": sequence,
                "sent": time.perf_counter(),
                "sent_wall": time.time(),
            }
            await socket.send(json.dumps({"type": "user_message", "payload": message}))
            await asyncio.sleep(options.interval)
        with contextlib.suppress(TimeoutError, ConnectionClosed):  # what is missing is counted as lost
            await asyncio.wait_for(listener, timeout=options.timeout)


async def drive_slice(
    urls: list[str], token: str, options: argparse.Namespace, indices: list[int], everyone: Any
) -> dict[int, Received]:
    """This process's clients: connect them all, wait for every process's, then chat."""
    expected = (options.clients // options.sessions) * options.messages
    connected = asyncio.Barrier(len(indices) + 1)
    go = asyncio.Event()
    received = {index: Received() for index in indices}
    tasks = []
    for index in indices:
        session = index % options.sessions
        # Consecutive clients of a session land on different api processes.
        url = urls[(index // options.sessions) % len(urls)].format(session=f"chat-{session:03d}")
        tasks.append(asyncio.create_task(client(index, url, token, options, expected, connected, go, received[index])))
    await connected.wait()
    await asyncio.to_thread(everyone.wait)
    go.set()
    await asyncio.gather(*tasks)
    return received


def client_process(
    urls: list[str], token: str, options: dict[str, Any], indices: list[int], everyone: Any, results: Any
) -> None:
    received = asyncio.run(drive_slice(urls, token, argparse.Namespace(**options), indices, everyone))
    results.put({index: (seen.frames, seen.stored_ms, seen.delivered_ms) for index, seen in received.items()})


def drive(urls: list[str], token: str, options: argparse.Namespace) -> tuple[list[Received], float]:
    """The clients, spread over `--client-processes` processes so the bench's own CPU is not the limit."""
    context = multiprocessing.get_context("spawn")
    count = options.client_processes
    everyone = context.Barrier(count + 1)
    results = context.Queue()
    workers = [
        context.Process(
            target=client_process,
            args=(urls, token, vars(options), list(range(number, options.clients, count)), everyone, results),
        )
        for number in range(count)
    ]
    for worker in workers:
        worker.start()
    everyone.wait(timeout=120)
    started = time.perf_counter()
    merged: dict[int, tuple[list[tuple[int, int, int, float]], list[float], list[float]]] = {}
    for _ in workers:
        merged.update(results.get(timeout=options.timeout + options.messages * options.interval + 120))
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join(timeout=30)
    received = [Received(*merged[index]) for index in range(options.clients)]
    return received, elapsed


def check(received: list[Received], session_of: list[int], expected: int) -> tuple[int, int]:
    """(lost or duplicated deliveries, clients that saw an order differing from their session's)."""
    lost = out_of_order = 0
    order_of_session: dict[int, list[int]] = {}
    for index, seen in enumerate(received):
        ids = [frame[0] for frame in seen.frames]
        lost += abs(expected - len(set(ids))) + (len(ids) - len(set(ids)))
        per_sender: dict[int, list[int]] = {}
        for _, sender, sequence, _ in seen.frames:
            per_sender.setdefault(sender, []).append(sequence)
        in_order = ids == sorted(ids) and all(seq == sorted(seq) for seq in per_sender.values())
        reference = order_of_session.setdefault(session_of[index], ids)
        out_of_order += int(not in_order or ids != reference)
    return lost, out_of_order


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20, help="messages each client sends")
    parser.add_argument("--processes", type=int, default=2, help="api processes")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between one client's sends")
    parser.add_argument("--client-processes", type=int, default=4, help="processes the clients run in")
    parser.add_argument("--layer", choices=["core", "pubsub"], default="pubsub", help="CHANNEL_LAYER_BACKEND")
    parser.add_argument("--conn-max-age", type=int, default=60, help="the api's DATABASE_CONN_MAX_AGE")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a client waits for the rest")
    options = parser.parse_args()
    if options.clients % options.sessions:
        raise SystemExit("--clients must be a multiple of --sessions")

    database = f"ambient_chat_bench_{os.getpid()}"
    processes: list[subprocess.Popen[bytes]] = []
    with LocalKube() as localkube:
        settings.KUBECONFIG = str(localkube.kubeconfig_path)
        kube.reset()
        call_command("install_crds", stdout=io.StringIO())
        project, token = seed(localkube, options.sessions)
        state = Path(localkube.kubeconfig_path).parent / "api-state"
        state.mkdir(mode=0o700, exist_ok=True)
        log_directory = Path(tempfile.mkdtemp(prefix="chat-bench-logs-"))
        print(f"api logs in {log_directory}")
        database_url = database_create(database, state)
        layer_url, private_redis = redis_url(log_directory)
        environment = api_environment(localkube.kubeconfig_path, database_url, layer_url, state, options)
        try:
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=REPO_ROOT, env=environment, check=True
            )
            ports = [free_port() for _ in range(options.processes)]
            for port in ports:
                command = [sys.executable, "-m", "ambient.asgi_server", "--port", str(port), "--workers", "1"]
                log = (log_directory / f"api-{port}.log").open("wb")
                processes.append(subprocess.Popen(command, cwd=REPO_ROOT, env=environment, stdout=log, stderr=log))
            for port in ports:
                wait_for_port(port, time.monotonic() + 60)
            urls = [f"ws://127.0.0.1:{port}/api/projects/{project}/agentic-sessions/{{session}}/ws" for port in ports]
            cpu_before = sum(cpu_seconds(process.pid) for process in processes)
            received, elapsed = drive(urls, token, options)
            api_cpu = sum(cpu_seconds(process.pid) for process in processes) - cpu_before
            rss = [rss_mb(process.pid) for process in processes]
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
            database_drop(database, database_url)
            if private_redis is not None:
                private_redis.stop()

    per_session = options.clients // options.sessions
    session_of = [index % options.sessions for index in range(options.clients)]
    lost, out_of_order = check(received, session_of, per_session * options.messages)
    latencies = [frame[3] for seen in received for frame in seen.frames]
    sent = options.clients * options.messages
    figures: dict[str, Any] = {
        "clients": options.clients,
        "sessions": options.sessions,
        "api_processes": options.processes,
        "channel_layer": options.layer,
        "database": database_url.split(":", 1)[0],
        "conn_max_age_s": options.conn_max_age,
        "send_interval_ms": round(options.interval * 1000),
        "messages_sent": sent,
        "deliveries": len(latencies),
        "lost_messages": lost,
        "out_of_order": out_of_order,
        "fanout_p50_ms": round(percentile(latencies, 0.50), 1),
        "fanout_p99_ms": round(percentile(latencies, 0.99), 1),
        "fanout_max_ms": round(max(latencies), 1),
        "stored_p50_ms": round(percentile([v for seen in received for v in seen.stored_ms], 0.50), 1),
        "stored_p99_ms": round(percentile([v for seen in received for v in seen.stored_ms], 0.99), 1),
        "delivered_p50_ms": round(percentile([v for seen in received for v in seen.delivered_ms], 0.50), 1),
        "delivered_p99_ms": round(percentile([v for seen in received for v in seen.delivered_ms], 0.99), 1),
        "messages_per_s": round(sent / elapsed, 1),
        # CPU the api processes spent per message sent (its fan-out included): independent of the load.
        "api_cpu_per_message_ms": round(api_cpu * 1000 / sent, 2),
        "api_rss_max_mb": round(max(rss), 1),
        "api_rss_total_mb": round(sum(rss), 1),
        # The machine's 1-minute load when the run ended: latency on a shared machine follows it.
        "load_average_1m": round(os.getloadavg()[0], 1),
    }
    figures_print(figures, GOALS)


if __name__ == "__main__":
    main()
