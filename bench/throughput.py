"""Lifecycle throughput: N cases at once from referral through the SIN decision, the rapid
review and the LCSPR to publication, on the time-skipping test server, with one worker (the
product's own, real mail activity included, to an SMTP sink on loopback). Every partner and
agency answers (the same signal a link's form sends); the team's recordings are the CLI's
signals. Time moves on twice, for every case together: to the rapid review meeting, and to
the publication date.

    .venv/bin/python -m bench.throughput --cases 100
    .venv/bin/python -m bench.throughput --cases 1000

Prints wall time, workflow tasks per second, and events per case in each lifecycle.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from domain.calendar import london_date, london_today
from domain.case import LifecycleView, lifecycle_workflow_id
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
from starter.devstack import free_port
from tests.support import PAYLOAD_KEYS, encrypting_converter, referral_data, runs
from tests.workflows.test_lcspr import AGENCIES, SUBMISSION, reviewer
from tests.workflows.test_rapid_review import SCOPING, record
from worker import build_worker

# The same valid answers and records the workflow tests give.
FIELDS = {"scoping_return": SCOPING, "agency_submission": SUBMISSION}
CHOICE = {"initial_view": "notify", "partner_response": "agree", "sin_reference": "submitted",
          "scoping_return": "returned", "ratification": "ratify", "endorsement": "endorse",
          "agency_submission": "submitted", "approval": "approve"}


class Sink:
    """An SMTP server that counts what it is given and keeps nothing."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


class Driver:
    def __init__(self, client: Client, env: WorkflowEnvironment):
        self.client, self.env = client, env
        self.answered: set[str] = set()

    async def view(self, case_ref: str, name: str) -> LifecycleView:
        handle = self.client.get_workflow_handle(lifecycle_workflow_id(case_ref, name))
        return await handle.query("view", result_type=LifecycleView)

    async def until(self, case_ref: str, name: str, ok: Any, what: str) -> LifecycleView:
        for _ in range(3000):
            try:
                view = await self.view(case_ref, name)
                if ok(view):
                    return view
            except Exception:  # noqa: BLE001, S110 - the lifecycle may not have started yet
                pass
            await asyncio.sleep(0.2)
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

    async def today(self) -> Any:
        return london_date(await self.env.get_current_time())

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
        await self.client.get_workflow_handle(lifecycle_workflow_id(case_ref, "lcspr")).result()


async def in_batches(n: int, make: Any, limit: int = 200) -> list[Any]:
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
        for name, workflow_id in [("case", f"case-{case_ref}"),
                                  *((r.name, r.workflow_id) for r in case.lifecycles)]:
            total = 0
            async for history in runs(client, workflow_id):
                total += len(history.events)
                tasks += sum(1 for e in history.events if e.event_type ==
                             EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
            events[name].append(total)
    return tasks, {name: sum(v) / len(v) for name, v in events.items()}


async def main(n: int) -> None:
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    server = Path(sys.executable).parent / "temporal-test-server"
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(server), data_converter=encrypting_converter())
    await ensure_search_attributes(env.client, "default")
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as scratch:
        settings = Settings(
            smtp_host="127.0.0.1", smtp_port=port, link_signing_key="bench-signing-key-0123456",
            public_base_url="http://links.bench", temporal_task_queue=f"bench-{uuid.uuid4()}",
            partnership_profile=BUNDLED_PROFILES / "west-midlands.toml",
            payload_keys=PAYLOAD_KEYS, outbox_path=Path(scratch) / "outbox.sqlite3")
        drive = Driver(env.client, env)
        started = time.perf_counter()
        async with build_worker(env.client, settings):
            async def start(i: int) -> str:
                data = cases.validate_referral(referral_data(london_today()), settings)
                return (await cases.start_case(env.client, settings, data))[0]

            case_refs = await in_batches(n, start)
            opens = await in_batches(n, lambda i: drive.to_the_meeting(case_refs[i]))
            await env.sleep(max(opens) - await drive.today() + timedelta(days=1))
            await in_batches(n, lambda i: drive.to_publication_plan(case_refs[i]))
            await env.sleep(timedelta(days=22))
            await in_batches(n, lambda i: drive.publish(case_refs[i]))
            wall = time.perf_counter() - started
            tasks, per_lifecycle = await history_stats(env.client, case_refs)
    await env.shutdown()
    controller.stop()
    print(f"\n{n} cases, SIN decision → rapid review → LCSPR published, one worker")
    print(f"  wall time            {wall:8.1f} s  ({wall / n * 1000:.0f} ms per case)")
    print(f"  workflow tasks       {tasks:8d}  ({tasks / wall:.0f} per second)")
    print(f"  emails sent          {sink.count:8d}")
    print("  events per case, by lifecycle (all runs):")
    for name, mean in sorted(per_lifecycle.items()):
        print(f"    {name:22s} {mean:7.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100)
    asyncio.run(main(parser.parse_args().cases))
