"""Container processes: exit codes, group kill on stop, orphan cleanup."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from localkube.runtime.process import POD_UID_ENV, ContainerProcess, exit_code, kill_orphans


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def environment_published(pid: int) -> None:
    """Wait until the kernel shows the new program's environment in /proc.

    Popen returns once exec closed its error pipe, which happens a moment before the kernel records
    where the new environment lives: read in between (a preempted child on a loaded machine),
    /proc/<pid>/environ is empty and the process looks unmarked.
    """
    for _ in range(1000):
        if Path(f"/proc/{pid}/environ").read_bytes():
            return
        time.sleep(0.01)


def test_exit_code_mapping() -> None:
    assert (exit_code(0), exit_code(3), exit_code(-9), exit_code(-15)) == (0, 3, 137, 143)


def test_runs_and_logs(tmp_path: Path) -> None:
    async def scenario() -> int:
        process = ContainerProcess(
            [sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"],
            {},
            tmp_path,
            tmp_path / "logs" / "c.log",
        )
        process.start()
        return await process.wait()

    assert asyncio.run(scenario()) == 3
    assert sorted((tmp_path / "logs" / "c.log").read_text().split()) == ["err", "out"]


def test_stop_kills_the_whole_group(tmp_path: Path) -> None:
    # The child ignores SIGTERM, so the stop must escalate to SIGKILL for the group.
    script = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import signal,time; "
        "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    log = tmp_path / "c.log"

    async def scenario() -> tuple[int, int | None]:
        process = ContainerProcess([sys.executable, "-c", script], {"PATH": os.environ["PATH"]}, tmp_path, log)
        pid = process.start()
        for _ in range(200):
            if log.exists() and log.read_text().strip():
                break
            await asyncio.sleep(0.05)
        code = await process.stop(0.3)
        return pid, code

    pid, code = asyncio.run(scenario())
    child = int(log.read_text().split()[0])
    assert code == 137
    assert not alive(pid)
    for _ in range(100):  # the grandchild is reparented to init, which reaps it shortly
        if not alive(child):
            break
        asyncio.run(asyncio.sleep(0.05))
    assert not alive(child)


def test_kill_orphans_only_kills_marked_processes(tmp_path: Path) -> None:
    import subprocess

    marked = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"],
        env={**os.environ, POD_UID_ENV: "uid-1"},
        start_new_session=True,
    )
    unmarked = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    try:
        environment_published(marked.pid)
        environment_published(unmarked.pid)
        (tmp_path / "uid-1_c.pid").write_text(str(marked.pid))
        (tmp_path / "uid-2_c.pid").write_text(str(unmarked.pid))
        assert kill_orphans(tmp_path) == [marked.pid]
        assert marked.wait(timeout=10) == -9
        assert unmarked.poll() is None
        assert not list(tmp_path.glob("*.pid"))
    finally:
        unmarked.kill()
        unmarked.wait()
