"""The workflow tests' harness: a real worker on a time-skipping test server, mail to a real
SMTP capture on loopback, and the steps the tests take as partners and the team would."""

from __future__ import annotations

import functools
import os
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.calendar import london_date, london_today
from domain.case import (
    CaseResult,
    LifecycleView,
    MarkAbsent,
    case_workflow_id,
    lifecycle_workflow_id,
)
from domain.commands import AnswerReceipt
from domain.questions import AnswerSignal
from domain.rapid_review import RrResult
from domain.settings import Settings
from domain.sin_decision import MeetingOutcome, SinOutcome
from starter import cases
from starter.commands import send
from starter.mailcapture import CaptureHandler
from tests.support import (
    PAYLOAD_KEYS,
    SIGNING_KEY,
    Mail,
    Mailbox,
    claims_of,
    eventually,
    pending_activities,
    referral_data,
    refusal,
)
from worker import build_worker
from workflows.case import CaseWorkflow
from workflows.rapid_review import RapidReviewWorkflow
from workflows.sin_decision import SinDecisionWorkflow

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"


class RefusingCapture(CaptureHandler):
    """The capture server, refusing (550) any recipient the test lists in `refuse`."""

    def __init__(self, directory: Path):
        super().__init__(directory)
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

class Harness:
    def __init__(self, env: WorkflowEnvironment, settings: Settings, mail: Mailbox):
        self.env = env
        self.client = env.client
        self.settings = settings
        self.mail = mail
        self.started: list[str] = []
        self.direct: list[tuple[str, str]] = []  # (kind, id) of lifecycles started bare
        self.workflows: list[tuple[str, str]] = []

    async def start(self, **changes: Any) -> str:
        data = referral_data(london_today(), **changes)
        referral = cases.validate_referral(data, self.settings)
        case_ref, _ = await cases.start_case(self.client, self.settings, referral)
        self.started.append(case_ref)
        return case_ref

    async def quiesce(self) -> None:
        """Let mail still being sent finish before the worker stops: a worker stopped
        mid-activity leaves the SDK warning that the activity it was told to cancel is gone."""
        self.workflows = await self.all_workflow_ids()  # queried while the worker still runs
        for _, workflow_id in self.workflows:
            await eventually(functools.partial(self._pending, workflow_id),
                             lambda n: n == 0, timeout=10,
                             what=f"{workflow_id} to finish its activities")

    async def all_workflow_ids(self) -> list[tuple[str, str]]:
        found = list(self.direct)
        for case_ref in self.started:
            found += await self.workflow_ids(case_ref)
        return found

    async def workflow_ids(self, case_ref: str) -> list[tuple[str, str]]:
        """(kind, workflow id) of the case and each lifecycle it started."""
        try:
            case = await cases.case_only(self.client, case_ref)
        except cases.CaseNotFound:
            return []
        return [("case", case_workflow_id(case_ref)),
                *((ref.name, ref.workflow_id) for ref in case.lifecycles)]

    async def _pending(self, workflow_id: str) -> int:
        return len(await pending_activities(self.client, workflow_id))

    async def record_histories(self, directory: Path, test_name: str) -> None:
        """Keep each workflow's history for the replay tests (scripts/record-histories)."""
        directory.mkdir(parents=True, exist_ok=True)
        for n, (kind, workflow_id) in enumerate(self.workflows):
            history = await self.client.get_workflow_handle(workflow_id).fetch_history()
            (directory / f"{test_name}.{n}.{kind}.json").write_text(history.to_json())

    def case(self, case_ref: str) -> WorkflowHandle[Any, CaseResult]:
        return self.client.get_workflow_handle_for(CaseWorkflow.run, case_workflow_id(case_ref))

    def sin(self, case_ref: str) -> WorkflowHandle[Any, SinOutcome]:
        return self.client.get_workflow_handle_for(
            SinDecisionWorkflow.run, lifecycle_workflow_id(case_ref, "sin-decision"))

    async def sin_view(self, case_ref: str) -> LifecycleView:
        return await self.sin(case_ref).query("view", result_type=LifecycleView)

    async def show(self, case_ref: str) -> dict[str, Any]:
        return cases.case_json(*await cases.case_view(self.client, case_ref))

    async def answer(self, mail: Mail, choice: str, rationale: str = "because",
                     reference: str | None = None) -> None:
        """Answer the way the web app does: the nonce comes from the link in the email."""
        await self.answer_with_fields(mail, choice, {}, rationale, reference)

    async def refused_answer(self, mail: Mail, choice: str, rationale: str = "because",
                             fields: dict[str, str] | None = None) -> str:
        """An answer the workflow must refuse: its reason (nothing is written to history)."""
        claims = claims_of(mail.links[0])
        return await refusal(self.client.get_workflow_handle(claims.workflow_id), "answer",
                             AnswerSignal(nonce=claims.nonce, choice=choice,
                                          rationale=rationale, fields=fields or {}))

    async def answer_with_fields(self, mail: Mail, choice: str, fields: dict[str, str],
                                 rationale: str = "", reference: str | None = None) -> None:
        claims = claims_of(mail.links[0])
        await send(self.client.get_workflow_handle(claims.workflow_id), "answer",
                   AnswerSignal(nonce=claims.nonce, choice=choice, rationale=rationale,
                                reference=reference, fields=fields), AnswerReceipt)

    async def step(self, case_ref: str, step: str) -> None:
        await eventually(lambda: self.sin_view(case_ref), lambda v: v.step == step,
                         what=f"SIN step '{step}'")

    async def stage(self, case_ref: str, stage: str) -> dict[str, Any]:
        return await eventually(lambda: self.show(case_ref), lambda v: v["stage"] == stage,
                                what=f"case stage '{stage}'")

    async def mark_absent(self, case_ref: str, role: str) -> None:
        await send(self.sin(case_ref), "mark_absent", MarkAbsent(role=role))

    async def record_meeting(self, case_ref: str, outcome: str, rationale: str) -> None:
        await send(self.sin(case_ref), "record_meeting",
                   MeetingOutcome(outcome=outcome, rationale=rationale))  # type: ignore[arg-type]

    async def today(self) -> date:
        """Today in London on the test server's clock (which skipping moves on)."""
        return london_date(await self.env.get_current_time())

    async def skip_past(self, instant: datetime) -> None:
        """Move the test server's clock just past an instant (a deadline, a reminder)."""
        await self.env.sleep(instant - await self.env.get_current_time() + timedelta(minutes=1))

    async def skip(self, days: float) -> None:
        await self.env.sleep(timedelta(days=days))

    # --- rapid review ---------------------------------------------------------------------
    def email(self, role: str) -> str:
        if role == "team":
            return self.settings.profile.partnership.team_email
        return self.settings.profile.role(role).holder.email

    def rr(self, case_ref: str) -> WorkflowHandle[Any, RrResult]:
        return self.client.get_workflow_handle_for(
            RapidReviewWorkflow.run, lifecycle_workflow_id(case_ref, "rapid-review"))

    async def rr_view(self, case_ref: str) -> LifecycleView:
        return await self.rr(case_ref).query("view", result_type=LifecycleView)

    async def rr_step(self, case_ref: str, step: str) -> LifecycleView:
        return await eventually(lambda: self.rr_view(case_ref), lambda v: v.step == step,
                                what=f"rapid review step '{step}'")

    async def notify(self, case_ref: str) -> None:
        """Drive the SIN decision to a unanimous 'notify' through the links."""
        (view,) = await self.mail.wait_for("sin_initial_view_request", self.email("lig_chair"),
                                           case_ref=case_ref)
        await self.answer(view, "notify", "criteria met")
        for role in ("police", "icb"):
            (request,) = await self.mail.wait_for("sin_partner_response_request",
                                                  self.email(role), case_ref=case_ref)
            await self.answer(request, "agree", "agreed")

async def running_harness(env: WorkflowEnvironment, mailbox: tuple[Mailbox, int],
                   request: pytest.FixtureRequest, profile: Path) -> AsyncIterator[Harness]:
    box, port = mailbox
    settings = Settings(
        smtp_host="127.0.0.1", smtp_port=port, link_signing_key=SIGNING_KEY,
        public_base_url="http://links.test", temporal_task_queue=f"test-{uuid.uuid4()}",
        partnership_profile=profile, payload_keys=PAYLOAD_KEYS,
        outbox_path=box.directory.parent / "outbox.sqlite3",
    )
    harness = Harness(env, settings, box)
    async with build_worker(env.client, settings):
        yield harness
        await harness.quiesce()
    record_to = os.environ.get("RECORD_HISTORIES")
    if record_to:
        await harness.record_histories(Path(record_to), request.node.name.removeprefix("test_"))
