"""Lifecycle throughput: N cases at once from referral through the SIN decision, the rapid
review and the LCSPR to publication, on the time-skipping test server, with one worker process
(`worker.py`, the product's own, real mail activity included, to an SMTP sink on loopback).
Every partner and agency answers (the same signal a link's form sends); the team's recordings
are the CLI's signals. Time moves on twice, for every case together: to the rapid review
meeting, and to the publication date.

The driver learns each case's progress from the `view` query, as the CLI does, asking again
when an email about the case goes out; the number of queries it made is printed beside the
result.

    .venv/bin/python -m bench.throughput --cases 100
    .venv/bin/python -m bench.throughput --cases 1000

Prints wall time, workflow tasks per second, the worker's CPU time, and events per case in
each lifecycle.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import psutil
from aiosmtpd.controller import Controller
from google.protobuf.empty_pb2 import Empty
from temporalio.api.enums.v1 import EventType
from temporalio.api.testservice.v1 import SleepRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from domain.calendar import london_date, london_today
from domain.case import LifecycleView, case_workflow_id, lifecycle_workflow_id
from domain.lcspr import (
    ExecutiveApproval,
    NewInformation,
    Publication,
    PublicationPlan,
    QualityAssurance,
    TermsOfReference,
)
from domain.profile import BUNDLED_PROFILES
from domain.questions import AnswerSignal
from domain.rapid_review import MeetingPlan, PanelReply
from domain.settings import Settings
from starter import cases
from starter.connection import ensure_search_attributes
from starter.devstack import LocalStack, Ports, free_port
from starter.hard_exit import run_then_exit
from tests.scenarios import LCSPR_AGENCIES as AGENCIES
from tests.scenarios import SCOPING, SUBMISSION, record, reviewer
from tests.support import PAYLOAD_KEYS, encrypting_converter, referral_data, runs

# The same valid answers and records the workflow tests give.
FIELDS = {"scoping_return": SCOPING, "agency_submission": SUBMISSION}
CHOICE = {"initial_view": "notify", "partner_response": "agree", "sin_reference": "submitted",
          "scoping_return": "returned", "ratification": "ratify", "endorsement": "endorse",
          "agency_submission": "submitted", "approval": "approve"}
SUBJECT = re.compile(r"\[([A-Z0-9-]+)\]")
GIVE_UP_AFTER = timedelta(hours=4)  # on any one wait: a case, a move of time, a result


class Sink:
    """An SMTP server that keeps nothing: it counts the emails and wakes the driver of the case
    each one is about (the subject starts with "[case ref]"), as an email wakes a person."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.count, self.loop = 0, loop
        self.news: dict[str, asyncio.Event] = {}

    def about(self, case_ref: str) -> asyncio.Event:
        return self.news.setdefault(case_ref, asyncio.Event())

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1  # aiosmtpd serves from its own thread and loop
        subject = BytesHeaderParser(policy=policy.default).parsebytes(envelope.content)["Subject"]
        if found := SUBJECT.match(subject or ""):
            self.loop.call_soon_threadsafe(lambda: self.about(found[1]).set())
        return "250 OK"


class Driver:
    """The team and every partner of every case. It learns a case's progress from the `view`
    query, as the CLI does, asking again when an email about the case goes out or, without
    one, ever less often, so that its own load stays a small part of the figure."""

    def __init__(self, client: Client, sink: Sink, patience: float):
        self.client, self.sink, self.patience = client, sink, patience
        self.clock = client.service_client.test_service
        self.answered: set[str] = set()
        self.gate = asyncio.Semaphore(16)  # queries in flight
        self.queries = self.unanswered = 0

    async def view(self, case_ref: str, name: str) -> LifecycleView:
        handle = self.client.get_workflow_handle(lifecycle_workflow_id(case_ref, name))
        async with self.gate:
            self.queries += 1
            return await handle.query("view", result_type=LifecycleView,
                                      rpc_timeout=timedelta(seconds=30))

    async def until(self, case_ref: str, name: str, ok: Any, what: str) -> LifecycleView:
        news = self.sink.about(case_ref)
        deadline = time.monotonic() + GIVE_UP_AFTER.total_seconds()
        pause = 0.1  # a step the team's own signal starts is quick: look again soon, then less
        while time.monotonic() < deadline:
            news.clear()
            try:
                view = await self.view(case_ref, name)
                if ok(view):
                    return view
            except RPCError as err:
                # Not started yet; or the worker, busy, did not answer in time; or the connection
                # dropped (a query changes nothing, so asking again is safe): ask again later.
                if err.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED,
                                  RPCStatusCode.UNAVAILABLE) or err.message == "transport error":
                    self.unanswered += 1
                elif err.status != RPCStatusCode.NOT_FOUND:
                    raise
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(news.wait(), pause)
            pause = min(pause * 2, self.patience)
        raise RuntimeError(f"{case_ref}: gave up waiting for {what}")

    async def answer_open(self, case_ref: str, name: str, kinds: set[str], count: int) -> None:
        """Wait until `count` questions of these kinds were asked, and answer every one."""
        view = await self.until(case_ref, name, lambda v: sum(
            1 for q in v.questions if q.kind in kinds) >= count, f"{count} x {kinds}")
        handle = self.client.get_workflow_handle(lifecycle_workflow_id(case_ref, name))
        for question in view.questions:
            if question.kind not in kinds or question.status != "open":
                continue
            link = next(link for link in question.links if not link.superseded)
            if link.nonce in self.answered:
                continue
            self.answered.add(link.nonce)
            await handle.signal("answer", AnswerSignal(
                nonce=link.nonce, choice=CHOICE[question.kind], rationale="bench",
                reference="SIN-BENCH" if question.kind == "sin_reference" else None,
                fields=FIELDS.get(question.kind, {})))

    async def signal(self, case_ref: str, name: str, signal: str, arg: object) -> None:
        await self.client.get_workflow_handle(
            lifecycle_workflow_id(case_ref, name)).signal(signal, arg)

    async def move_time(self, by: timedelta) -> None:
        """Let the test server skip time, a day at a time, every timer of every case firing on
        the way. Each day is one call with a long deadline, on the driver's connection without
        keep-alive pings: the server can be busy for minutes at N=1,000, and a call given up
        and made again would unlock time skipping twice and unbalance the server's count."""
        until = await self.now() + by
        while (left := until - await self.now()) > timedelta(0):
            began, request = time.perf_counter(), SleepRequest()
            request.duration.FromTimedelta(min(left, timedelta(days=1)))
            await self.clock.unlock_time_skipping_with_sleep(request, timeout=GIVE_UP_AFTER)
            progress(f"time is now {await self.now():%Y-%m-%d %H:%M} "
                     f"({time.perf_counter() - began:.1f} s to move)")

    async def now(self) -> datetime:
        reply = await self.clock.get_current_time(Empty())
        return reply.time.ToDatetime().replace(tzinfo=UTC)

    async def today(self) -> Any:
        return london_date(await self.now())

    # --- the phases, each for one case ---------------------------------------------------
    async def to_the_meeting(self, case_ref: str) -> Any:
        await self.answer_open(case_ref, "sin-decision", {"initial_view"}, 1)
        await self.answer_open(case_ref, "sin-decision", {"partner_response"}, 2)
        await self.answer_open(case_ref, "sin-decision", {"sin_reference"}, 1)
        await self.answer_open(case_ref, "rapid-review", {"scoping_return"}, 4)
        view = await self.until(case_ref, "rapid-review", lambda v: v.step == "meeting",
                                "the rapid review meeting step")
        opens = next(d for d in view.deadlines if d.key == "rr.meeting_window").opens
        await self.signal(case_ref, "rapid-review", "set_meeting", MeetingPlan(on=opens))
        return opens

    async def to_publication_plan(self, case_ref: str) -> None:
        today = await self.today()
        await self.signal(case_ref, "rapid-review", "record_outcome", record(today))
        await self.answer_open(case_ref, "rapid-review", {"ratification"}, 3)
        await self.until(case_ref, "rapid-review", lambda v: v.step.startswith("awaiting"),
                         "the Panel's reply")
        await self.signal(case_ref, "rapid-review", "record_panel_reply",
                          PanelReply(reply="content"))
        await self.until(case_ref, "lcspr", lambda v: True, "the LCSPR")
        await self.signal(case_ref, "lcspr", "appoint_reviewer", reviewer("Rowan Reviewer"))
        await self.signal(case_ref, "lcspr", "record_terms", TermsOfReference(
            period_from=today - timedelta(days=365), period_to=today,
            key_lines_of_enquiry=["How was information shared?"],
            methodology=["chronologies", "information_reports"], agencies=AGENCIES,
            family_plan="Mother to be invited.",
            key_dates={"agency_submissions_due": today + timedelta(days=28)}))
        await self.answer_open(case_ref, "lcspr", {"agency_submission"}, 2 * len(AGENCIES))
        await self.signal(case_ref, "lcspr", "record_draft", NewInformation(details="v1"))
        await self.until(case_ref, "lcspr", lambda v: v.step == "quality_assurance", "QA")
        await self.signal(case_ref, "lcspr", "record_qa", QualityAssurance(outcome="approved"))
        await self.answer_open(case_ref, "lcspr", {"approval"}, 3)
        await self.until(case_ref, "lcspr", lambda v: v.step == "executive_approval",
                         "executive approval")
        await self.signal(case_ref, "lcspr", "record_executive",
                          ExecutiveApproval(approved_on=today))
        await self.until(case_ref, "lcspr", lambda v: v.step == "publication", "publication")
        await self.signal(case_ref, "lcspr", "plan_publication", PublicationPlan(
            on=today + timedelta(days=21), report_url="https://example.org/report"))
        await self.until(case_ref, "lcspr", lambda v: any(
            d.key == "lcspr.prepublication_notice" and d.completed_at for d in v.deadlines),
            "the pre-publication notice")

    async def publish(self, case_ref: str) -> None:
        """Record publication on the day time moved to (past the planned date)."""
        await self.signal(case_ref, "lcspr", "record_publication", Publication(
            on=await self.today(), url="https://example.org/published", reviewer_named=True))
        handle = self.client.get_workflow_handle(lifecycle_workflow_id(case_ref, "lcspr"))
        deadline = time.monotonic() + GIVE_UP_AFTER.total_seconds()
        while True:
            try:
                await handle.result()
                return
            except RuntimeError as err:
                # The test server's history long poll can come back empty when it is busy, and
                # the SDK reports that as no completion: wait again.
                if "No completion event" not in str(err) or time.monotonic() > deadline:
                    raise


async def connect_without_pings(env: WorkflowEnvironment) -> Client:
    """The driver's own connection to the test server, without keep-alive pings: the server
    (grpc-java) takes pings every 30 s on a connection with no data for minutes, as when time
    moves on for 1,000 cases at once, as abuse and closes the connection."""
    return await Client.connect(env.client.service_client.config.target_host,
                                data_converter=encrypting_converter(), keep_alive_config=None)


def progress(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def in_batches(n: int, make: Any, limit: int = 1000) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(i: int) -> Any:
        async with gate:
            return await make(i)

    return await asyncio.gather(*(one(i) for i in range(n)))


async def history_stats(client: Client, case_refs: list[str]) -> tuple[int, dict[str, float]]:
    """Workflow tasks completed in all, and mean events per case for each lifecycle."""
    tasks, events = 0, collections.defaultdict(list)
    for case_ref in case_refs:
        case = await cases.case_only(client, case_ref)
        for name, workflow_id in [("case", case_workflow_id(case_ref)),
                                  *((r.name, r.workflow_id) for r in case.lifecycles)]:
            total = 0
            async for history in runs(client, workflow_id):
                total += len(history.events)
                tasks += sum(1 for e in history.events if e.event_type ==
                             EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
            events[name].append(total)
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


async def main(n: int) -> None:
    sink, port = Sink(asyncio.get_running_loop()), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        server = Path(sys.executable).parent / "temporal-test-server"
        async with await WorkflowEnvironment.start_time_skipping(
                test_server_existing_path=str(server),
                data_converter=encrypting_converter()) as env:
            await drive_all(n, env, sink, port)
    finally:
        controller.stop()


async def drive_all(n: int, env: WorkflowEnvironment, sink: Sink, port: int) -> None:
    """Every case from referral to publication, then the figures."""
    await ensure_search_attributes(env.client, "default")
    profile = BUNDLED_PROFILES / "west-midlands.toml"
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as scratch:
        test_server_port = int(env.client.service_client.config.target_host.rsplit(":", 1)[1])
        worker_env = {
            "TEMPORAL_TASK_QUEUE": f"bench-{uuid.uuid4()}", "PARTNERSHIP_PROFILE": str(profile),
            "PAYLOAD_KEYS": PAYLOAD_KEYS,  # the keys this process's client encrypts with
            # Every case has up to four lifecycles busy at once here; fewer cached workflows
            # than that and each task would first replay its workflow's history.
            "WORKER_MAX_CACHED_WORKFLOWS": str(max(1000, 4 * n))}
        stack = LocalStack(Path(scratch), Ports(temporal=test_server_port, smtp=port),
                           extra_env=worker_env)
        settings = Settings(temporal_task_queue=worker_env["TEMPORAL_TASK_QUEUE"],
                            partnership_profile=profile)
        client = await connect_without_pings(env)
        # How long a driver waits without news before asking again: longer when more cases
        # share the worker, so that asking stays a small part of its load.
        drive = Driver(client, sink, patience=min(max(n / 20, 2.0), 30.0))
        with worker_process(stack) as worker:
            cpu_before = sum(worker.cpu_times()[:2])
            started = time.perf_counter()

            async def start(i: int) -> str:
                data = cases.validate_referral(referral_data(london_today()), settings)
                return (await cases.start_case(client, settings, data))[0]

            case_refs = await in_batches(n, start)
            progress(f"{n} cases started")
            opens = await in_batches(n, lambda i: drive.to_the_meeting(case_refs[i]))
            progress(f"every case at its rapid review meeting; {sink.count} emails so far")
            await drive.move_time(max(opens) - await drive.today() + timedelta(days=1))
            await in_batches(n, lambda i: drive.to_publication_plan(case_refs[i]))
            progress(f"every LCSPR has its publication plan; {sink.count} emails so far")
            await drive.move_time(timedelta(days=22))
            await in_batches(n, lambda i: drive.publish(case_refs[i]))
            progress("every LCSPR published")
            wall = time.perf_counter() - started
            cpu = sum(worker.cpu_times()[:2]) - cpu_before
            rss = worker.memory_info().rss
            tasks, per_lifecycle = await history_stats(client, case_refs)
    print(f"\n{n} cases at once, SIN decision → rapid review → LCSPR published, one worker "
          f"(caching {worker_env['WORKER_MAX_CACHED_WORKFLOWS']} workflows)")
    print(f"  wall time            {wall:8.1f} s  ({wall / n * 1000:.0f} ms per case)")
    print(f"  workflow tasks       {tasks:8d}  ({tasks / wall:.0f} per second)")
    print(f"  worker CPU           {cpu:8.1f} s  ({cpu / n * 1000:.0f} ms per case; "
          f"{cpu / wall * 100:.0f}% of one core); RSS at the end {rss / 2**20:.0f} MiB")
    print(f"  emails sent          {sink.count:8d}")
    print(f"  driver's queries     {drive.queries:8d}  ({drive.unanswered} not answered in time)")
    print("  events per case, by lifecycle (all runs):")
    for name, mean in sorted(per_lifecycle.items()):
        print(f"    {name:22s} {mean:7.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100)
    run_then_exit(lambda: asyncio.run(main(parser.parse_args().cases)))
