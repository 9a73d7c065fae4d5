"""Idle cost: many open cases waiting on their statutory timers, on the real local stack (dev
server, worker process, SMTP capture). Once every case is waiting, measures the worker
process's resident memory and CPU over a quiet minute; then the time to replay the largest
history kept for the replay tests.

    .venv/bin/python -m bench.idle_cost [--cases 10000] [--quiet-seconds 60]

Each case starts its SIN decision (the referral is for a rapid review), sends the initial view
requests and then waits: on the partners' answers and on its deadlines' timers.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import psutil
from temporalio.client import WorkflowHistory
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Replayer

from bench.support import running_stack
from domain.calendar import london_today
from domain.case import LifecycleView, lifecycle_workflow_id
from domain.settings import Settings
from starter import cases
from starter.connection import connect
from starter.hard_exit import run_then_exit
from tests.support import encrypting_converter, referral_data
from worker import WORKFLOWS, workflow_runner

HISTORIES = Path(__file__).resolve().parent.parent / "tests" / "histories"
OPENING_AT_ONCE = 20


async def open_cases(n: int, settings: Settings) -> float:
    """Open n cases, a few at a time: each until its SIN decision has asked its first question.

    Referrals arrive over months, not all in one instant. Started all at once, 10,000 cases
    would queue their first workflow tasks behind one another on the dev server, and the figure
    would be of its SQLite backlog, not of cases that are open."""
    client = await connect(settings)
    data = cases.validate_referral(referral_data(london_today()), settings)
    gate = asyncio.Semaphore(OPENING_AT_ONCE)
    started = time.perf_counter()

    async def asked(case_ref: str) -> bool:
        handle = client.get_workflow_handle(lifecycle_workflow_id(case_ref, "sin-decision"))
        try:
            return bool((await handle.query("view", result_type=LifecycleView)).questions)
        except RPCError as err:  # not started yet
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            return False

    async def one(i: int) -> None:
        async with gate:
            case_ref, _ = await cases.start_case(client, settings, data)
            pause = 0.2
            while not await asked(case_ref):
                await asyncio.sleep(pause)
                pause = min(pause * 1.5, 2.0)
        if (i + 1) % 1000 == 0:
            print(f"  {i + 1} open after {time.perf_counter() - started:.0f} s", flush=True)

    await asyncio.gather(*(one(i) for i in range(n)))
    return time.perf_counter() - started


def wait_until_quiet(worker: psutil.Process, quiet_for: float = 15) -> float:
    """Seconds until the worker used under 2% of a core for `quiet_for` seconds running."""
    started = time.perf_counter()
    calm_since = None
    while True:
        before = sum(worker.cpu_times()[:2])
        time.sleep(1)
        busy = sum(worker.cpu_times()[:2]) - before
        if busy < 0.02:
            calm_since = calm_since or time.perf_counter()
            if time.perf_counter() - calm_since >= quiet_for:
                return time.perf_counter() - started - quiet_for
        else:
            calm_since = None


async def largest_replay() -> tuple[str, int, float]:
    path = max(HISTORIES.glob("*/*.json"), key=lambda p: p.stat().st_size)
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=WORKFLOWS, workflow_runner=workflow_runner(),
                        data_converter=encrypting_converter())  # the test keys
    await replayer.replay_workflow(history)  # warm: the sandbox imports once per process
    times = []
    for _ in range(5):
        started = time.perf_counter()
        await replayer.replay_workflow(history)
        times.append(time.perf_counter() - started)
    return f"{path.parent.name}/{path.name}", len(history.events), min(times)


def main(n: int, quiet_seconds: int) -> None:
    with (tempfile.TemporaryDirectory(prefix="bench-idle-") as scratch,
          running_stack(Path(scratch)) as stack):
        worker = psutil.Process(stack.procs["worker"].pid)
        rss_empty = worker.memory_info().rss
        print(f"opening {n} cases…", flush=True)
        opening = asyncio.run(open_cases(n, Settings()))
        settle = wait_until_quiet(worker)
        mails = len(list(stack.mail_dir.glob("*.eml")))
        cpu_before, wall_before = sum(worker.cpu_times()[:2]), time.perf_counter()
        time.sleep(quiet_seconds)
        cpu = sum(worker.cpu_times()[:2]) - cpu_before
        wall = time.perf_counter() - wall_before
        rss = worker.memory_info().rss
    name, events, replay = asyncio.run(largest_replay())
    print(f"\n{n} open cases waiting on timers (one worker process, dev server)")
    print(f"  started in           {opening:8.1f} s, worker quiet {settle:.0f} s later, "
          f"{mails} emails sent")
    print(f"  worker memory (RSS)  {rss / 2**20:8.1f} MiB  (before any case: "
          f"{rss_empty / 2**20:.1f} MiB)")
    print(f"  worker CPU idle      {cpu / wall * 100:8.2f} % of one core over {wall:.0f} s")
    print(f"  largest history      {events} events ({name})")
    print(f"  its replay           {replay * 1000:8.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--quiet-seconds", type=int, default=60)
    args = parser.parse_args()
    run_then_exit(lambda: main(args.cases, args.quiet_seconds))
