"""WorkQueue with several workers: client-go's one-worker-per-key and dirty-while-processing rules."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

import pytest

from localkube.runtime.workqueue import WorkQueue


def test_keys_run_in_parallel_but_one_key_never_on_two_workers() -> None:
    async def scenario() -> tuple[int, list[Hashable], int]:
        running: set[Hashable] = set()
        most_at_once = 0
        overlaps = 0
        started: list[Hashable] = []
        release = asyncio.Event()

        async def reconcile(key: Hashable) -> None:
            nonlocal most_at_once, overlaps
            overlaps += key in running
            running.add(key)
            started.append(key)
            most_at_once = max(most_at_once, len(running))
            await release.wait()
            running.discard(key)

        queue = WorkQueue(reconcile, "test", workers=3)
        worker = asyncio.create_task(queue.run())
        for key in ("a", "b", "c"):
            queue.add(key)
        while len(started) < 3:
            await asyncio.sleep(0)
        # "a" changes twice while it is being reconciled: it runs once more, after this pass.
        queue.add("a")
        queue.add("a")
        for _ in range(20):
            await asyncio.sleep(0)
        assert started.count("a") == 1
        release.set()
        while len(started) < 4:
            await asyncio.sleep(0)
        for _ in range(20):
            await asyncio.sleep(0)
        worker.cancel()
        with pytest.raises(asyncio.CancelledError):
            await worker
        return most_at_once, started, overlaps

    most_at_once, started, overlaps = asyncio.run(scenario())
    assert most_at_once == 3
    assert sorted(str(key) for key in started) == ["a", "a", "b", "c"]
    assert overlaps == 0


def test_a_failed_key_is_retried() -> None:
    async def scenario() -> list[str]:
        calls: list[str] = []
        done = asyncio.Event()

        async def reconcile(key: Hashable) -> None:
            calls.append(str(key))
            if len(calls) == 1:
                raise RuntimeError("transient")
            done.set()

        queue = WorkQueue(reconcile, "test", workers=2)
        worker = asyncio.create_task(queue.run())
        queue.add("k")
        await done.wait()
        worker.cancel()
        with pytest.raises(asyncio.CancelledError):
            await worker
        return calls

    assert asyncio.run(scenario()) == ["k", "k"]


def test_workers_must_be_positive() -> None:
    async def reconcile(_key: Hashable) -> None:
        return None

    with pytest.raises(ValueError, match="workers must be at least 1"):
        WorkQueue(reconcile, "test", workers=0)
