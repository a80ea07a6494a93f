"""The Event recorder's queue and spam filter, without a server: record() only queues."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from localkube.runtime.apiclient import KubeClient
from localkube.runtime.events import SPAM_BURST, EventRecorder


def _pod(uid: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "ns", "name": f"p-{uid}", "uid": uid}}


def test_record_queues_without_waiting_and_each_object_gets_a_burst_of_25() -> None:
    async def scenario() -> tuple[int, int]:
        recorder = EventRecorder(cast(KubeClient, None))  # never sends: run() is not started
        for index in range(SPAM_BURST + 10):
            await recorder.record(_pod("a"), "Unhealthy", f"probe failed {index}", component="kubelet")
        await recorder.record(_pod("b"), "Scheduled", "assigned", component="default-scheduler")
        await recorder.record(_pod("a"), "Scheduled", "assigned", component="default-scheduler")
        return recorder._queue().qsize(), SPAM_BURST + 2

    queued, expected = asyncio.run(scenario())
    assert queued == expected
