"""localkube benchmark: CRUD latency, a 1,000-object list, 200-watch fan-out and server RSS.

Runs ``python -m localkube serve`` as a subprocess (so RSS is the server's own), drives it with
the project's Kubernetes gateway (the real client's HTTP layer) for CRUD and aiohttp for the 200
concurrent watches. Prints a table, then one JSON line {figure: number}.

    .venv/bin/python bench/localkube_bench.py [--objects 1000] [--watches 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.test")

from django.conf import settings  # noqa: E402

from ambient import kube  # noqa: E402
from ambient.kube import KubeGateway  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def crud(gateway: KubeGateway, namespace: str, count: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"create": [], "get": [], "update": []}
    for index in range(count):
        name = f"bench-{index}"
        body = {"metadata": {"name": name, "labels": {"bench": "crud"}}, "data": {"value": "x" * 100}}
        results["create"].append(timed(lambda body=body: gateway.create(kube.CONFIG_MAP, namespace, body)))
        results["get"].append(timed(lambda name=name: gateway.read(kube.CONFIG_MAP, namespace, name)))
        patch = {"data": {"value": f"y{index}"}}
        results["update"].append(
            timed(lambda name=name, patch=patch: gateway.patch(kube.CONFIG_MAP, namespace, name, patch))
        )
    return results


async def fan_out(
    url: str, token: str, ca_file: Path, namespace: str, watches: int, rounds: int, pid: int
) -> tuple[list[float], float]:
    context = ssl.create_default_context(cafile=str(ca_file))
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=0, ssl=context)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        base = f"{url}{kube.CONFIG_MAP.path(namespace)}"
        async with session.post(base, json={"metadata": {"name": "fanout"}, "data": {"round": "0"}}) as response:
            created = await response.json()
        rv = created["metadata"]["resourceVersion"]
        queues: list[asyncio.Queue[float]] = [asyncio.Queue() for _ in range(watches)]
        ready = asyncio.Event()
        opened = 0

        async def watcher(queue: asyncio.Queue[float]) -> None:
            nonlocal opened
            params = {
                "watch": "true",
                "resourceVersion": rv,
                "fieldSelector": "metadata.name=fanout",
                "timeoutSeconds": "300",
            }
            async with session.get(base, params=params, timeout=aiohttp.ClientTimeout(total=None)) as response:
                opened += 1
                if opened == watches:
                    ready.set()
                async for line in response.content:
                    if line.strip():
                        queue.put_nowait(time.perf_counter())

        tasks = [asyncio.create_task(watcher(queue)) for queue in queues]
        await asyncio.wait_for(ready.wait(), 60)
        await asyncio.sleep(0.5)
        memory = rss_mb(pid)
        latencies: list[float] = []
        for round_number in range(1, rounds + 1):
            started = time.perf_counter()
            async with session.patch(
                base + "/fanout",
                data=json.dumps({"data": {"round": str(round_number)}}),
                headers={"Content-Type": "application/merge-patch+json"},
            ) as response:
                assert response.status == 200, await response.text()
            for queue in queues:
                received = await asyncio.wait_for(queue.get(), 30)
                latencies.append((received - started) * 1000)
        memory = max(memory, rss_mb(pid))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return latencies, memory


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=1000, help="objects created (and listed)")
    parser.add_argument("--crud", type=int, default=300, help="create/get/update samples")
    parser.add_argument("--watches", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5, help="updates fanned out to every watch")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="localkube-bench-") as state:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        server = subprocess.Popen(
            [sys.executable, "-m", "localkube", "serve", "--port", str(port), "--state-dir", state, "--no-controllers"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=REPO,
        )
        try:
            assert server.stdout is not None  # stdout=PIPE
            ready = json.loads(server.stdout.readline())
            idle_rss = rss_mb(server.pid)
            settings.KUBECONFIG = ready["kubeconfig"]
            kube.reset()
            gateway = kube.control_plane_gateway()
            created = gateway.create(kube.NAMESPACE, None, {"metadata": {"generateName": "bench-"}})
            namespace = (created.get("metadata") or {}).get("name")
            assert namespace, "the server names a namespace created with generateName"
            latencies = crud(gateway, namespace, args.crud)
            for index in range(args.crud, args.objects):
                body = {"metadata": {"name": f"bench-{index}"}, "data": {"value": "x" * 100}}
                gateway.create(kube.CONFIG_MAP, namespace, body)
            list_samples = [timed(lambda: gateway.list(kube.CONFIG_MAP, namespace)) for _ in range(5)]
            listed = len(gateway.list(kube.CONFIG_MAP, namespace))
            token = (Path(state) / "admin-token").read_text().strip()
            fan, watch_rss = asyncio.run(
                fan_out(ready["url"], token, Path(state) / "ca.crt", namespace, args.watches, args.rounds, server.pid)
            )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    figures = {
        "create_p50_ms": percentile(latencies["create"], 0.5),
        "create_p99_ms": percentile(latencies["create"], 0.99),
        "get_p50_ms": percentile(latencies["get"], 0.5),
        "get_p99_ms": percentile(latencies["get"], 0.99),
        "update_p50_ms": percentile(latencies["update"], 0.5),
        "update_p99_ms": percentile(latencies["update"], 0.99),
        f"list_{listed}_median_ms": statistics.median(list_samples),
        "fanout_p50_ms": percentile(fan, 0.5),
        "fanout_p99_ms": percentile(fan, 0.99),
        "rss_idle_mb": idle_rss,
        f"rss_{args.watches}_watches_mb": watch_rss,
    }
    print(
        f"localkube bench: {args.crud} CRUD samples, {listed} objects listed, "
        f"{args.watches} watches x {args.rounds} updates"
    )
    print(f"{'figure':<28}{'value':>12}")
    print("-" * 40)
    for name, value in figures.items():
        print(f"{name:<28}{value:>12.2f}")
    goals = {"fanout_p99_ms": 100.0, f"rss_{args.watches}_watches_mb": 150.0}
    for name, limit in goals.items():
        print(f"goal {name} < {limit:g}: {'met' if figures[name] < limit else 'MISSED'}")
    print(json.dumps({name: round(value, 2) for name, value in figures.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
