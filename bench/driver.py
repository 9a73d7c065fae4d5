"""The throughput bench's driver: the team and every partner of every case, and the SMTP sink
whose emails wake it, as an email wakes a person."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from datetime import date, datetime, timedelta
from email import policy
from email.parser import BytesHeaderParser
from typing import Any

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from bench.clocks import GIVE_UP_AFTER, RealClock, SkippingClock
from domain.calendar import london_date
from domain.case import LifecycleView, lifecycle_workflow_id
from domain.lcspr import (
    ExecutiveApproval,
    NewInformation,
    Publication,
    PublicationPlan,
    QualityAssurance,
    TermsOfReference,
)
from domain.questions import AnswerSignal
from domain.rapid_review import MeetingPlan, PanelReply
from tests.scenarios import LCSPR_AGENCIES as AGENCIES
from tests.scenarios import SCOPING, SUBMISSION, record, reviewer

# The same valid answers and records the workflow tests give.
FIELDS = {"scoping_return": SCOPING, "agency_submission": SUBMISSION}
CHOICE = {"initial_view": "notify", "partner_response": "agree", "sin_reference": "submitted",
          "scoping_return": "returned", "ratification": "ratify", "endorsement": "endorse",
          "agency_submission": "submitted", "approval": "approve"}
SUBJECT = re.compile(r"\[([A-Z0-9-]+)\]")


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

    def __init__(self, client: Client, sink: Sink, patience: float,
                 clock: SkippingClock | RealClock):
        self.client, self.sink, self.patience, self.clock = client, sink, patience, clock
        self.meetings: dict[str, date] = {}  # rapid review meeting dates, by case
        self.planned: dict[str, date] = {}  # publication dates, by case
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

    async def now(self) -> datetime:
        return await self.clock.now()

    async def today(self) -> Any:
        return london_date(await self.now())

    # --- the phases, each for one case ---------------------------------------------------
    async def to_the_meeting(self, case_ref: str) -> None:
        await self.answer_open(case_ref, "sin-decision", {"initial_view"}, 1)
        await self.answer_open(case_ref, "sin-decision", {"partner_response"}, 2)
        await self.answer_open(case_ref, "sin-decision", {"sin_reference"}, 1)
        await self.answer_open(case_ref, "rapid-review", {"scoping_return"}, 4)
        view = await self.until(case_ref, "rapid-review", lambda v: v.step == "meeting",
                                "the rapid review meeting step")
        opens = next(d for d in view.deadlines if d.key == "rr.meeting_window").opens
        assert opens is not None
        self.meetings[case_ref] = opens
        await self.signal(case_ref, "rapid-review", "set_meeting", MeetingPlan(on=opens))

    async def to_publication_plan(self, case_ref: str) -> None:
        today = await self.today()
        # Held on the day it was set for: in its window, and not after today.
        await self.signal(case_ref, "rapid-review", "record_outcome",
                          record(self.meetings[case_ref]))
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
        self.planned[case_ref] = today + self.clock.publication_lead
        await self.signal(case_ref, "lcspr", "plan_publication", PublicationPlan(
            on=self.planned[case_ref], report_url="https://example.org/report"))
        await self.until(case_ref, "lcspr", lambda v: any(
            d.key == "lcspr.prepublication_notice" and d.completed_at for d in v.deadlines),
            "the pre-publication notice")

    async def publish(self, case_ref: str) -> None:
        """Record publication: on the test server on the day time moved to (after the planned
        date); on the dev server on the planned date, two days on, recorded at once."""
        await self.signal(case_ref, "lcspr", "record_publication", Publication(
            on=max(self.planned[case_ref], await self.today()),
            url="https://example.org/published", reviewer_named=True))
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
