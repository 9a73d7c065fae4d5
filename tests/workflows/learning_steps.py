"""Steps shared by the learning event and action plan tests: a case driven, as the team and
partners would, to a local learning event and through it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel

from domain.case import LifecycleView
from domain.commands import Receipt
from domain.lig_triage import LigDecision
from domain.local_learning_event import (
    Dissemination,
    FamilyContribution,
    LleExecutive,
    LleQualityAssurance,
    LleTerms,
    ReportReady,
)
from starter import cases
from starter.commands import send
from tests.support import eventually, refusal
from tests.workflows.harness import Harness

SUBMISSION = {"completer": "Named lead, safeguarding", "document_reference": "secure mail 77",
              "quality_assured_by": "Head of safeguarding"}
AGENCIES = ["childrens_social_care", "health"]


async def lifecycle(h: Harness, case_ref: str, name: str) -> LifecycleView:
    """The latest lifecycle of that name, as the CLI finds it."""
    async def probe() -> LifecycleView | None:
        _, views = await cases.case_view(h.client, case_ref)
        return cases.latest_lifecycle(views, name)
    return await eventually(probe, lambda v: v is not None, what=f"{name} lifecycle")


async def step(h: Harness, case_ref: str, name: str, wanted: str) -> LifecycleView:
    return await eventually(lambda: lifecycle(h, case_ref, name), lambda v: v.step == wanted,
                            what=f"{name} step '{wanted}'")


async def command(h: Harness, case_ref: str, name: str, update: str, arg: BaseModel) -> Receipt:
    """Send a recording to the lifecycle, as the CLI does."""
    view = await lifecycle(h, case_ref, name)
    return await send(h.client.get_workflow_handle(view.workflow_id), update, arg)


async def refused(h: Harness, case_ref: str, name: str, update: str, arg: BaseModel) -> str:
    """A recording the lifecycle must refuse: its reason (and nothing written to history)."""
    view = await lifecycle(h, case_ref, name)
    return await refusal(h.client.get_workflow_handle(view.workflow_id), update, arg)


async def lle(h: Harness, case_ref: str, update: str, arg: BaseModel) -> Receipt:
    return await command(h, case_ref, "local-learning-event", update, arg)


async def decide_learning_event(h: Harness, case_ref: str) -> None:
    """The LIG chair calls a leads meeting; it decides on a learning event; nobody disputes."""
    (route,) = await h.mail.wait_for("lig_route_request", h.email("lig_chair"),
                                     case_ref=case_ref)
    await h.answer(route, "leads_meeting", "leads to discuss")
    await step(h, case_ref, "lig-triage", "awaiting the LIG decision")
    await command(h, case_ref, "lig-triage", "record_decision",
                 LigDecision(decision="local_learning_event", rationale="new learning"))
    await step(h, case_ref, "lig-triage", "open to dispute")
    await h.skip(days=9)
    await h.stage(case_ref, "local_learning_event")


def terms(today: date, **changes: Any) -> LleTerms:
    data: dict[str, Any] = {
        "co_leads": ["police", "icb"], "methodology": "desktop_review",
        "key_lines_of_enquiry": ["How was the escalation policy used?"],
        "agencies": AGENCIES, "information_due": today + timedelta(days=14)}
    return LleTerms.model_validate({**data, **changes})


async def run_event_to_approval(h: Harness, case_ref: str) -> None:
    """A desktop review with every agency on time, assured and approved first time."""
    await step(h, case_ref, "local-learning-event", "terms")
    await lle(h, case_ref, "record_terms", terms(await h.today()))
    for agency in AGENCIES:
        lead = h.settings.profile.agencies[agency].safeguarding_lead.email
        (request,) = await h.mail.wait_for("lle_information_request", lead, case_ref=case_ref)
        await h.answer_with_fields(request, "submitted", SUBMISSION)
    await lle(h, case_ref, "record_family",
              FamilyContribution(sought=False, rationale="the family asked not to take part"))
    await lle(h, case_ref, "record_report", ReportReady(summary="Escalation was not used."))
    await step(h, case_ref, "local-learning-event", "quality_assurance")
    await lle(h, case_ref, "record_qa", LleQualityAssurance(outcome="assured"))
    await step(h, case_ref, "local-learning-event", "executive_approval")
    await lle(h, case_ref, "record_executive", LleExecutive(approved=True))
    await step(h, case_ref, "local-learning-event", "dissemination")
    await lle(h, case_ref, "record_dissemination",
              Dissemination(methods=["practitioner briefing"]))
    await h.stage(case_ref, "action_plan")
