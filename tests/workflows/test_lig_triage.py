"""The LIG route and dispute resolution (SPEC §6) on the time-skipping server."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from temporalio.client import WorkflowHandle

from domain.case import LifecycleView, lifecycle_workflow_id
from domain.lig_triage import Dispute, DisputeReview, LigDecision
from starter.commands import send
from tests.support import eventually, refusal
from tests.workflows.harness import Harness


async def lig_view(h: Harness, case_ref: str) -> LifecycleView:
    handle = h.client.get_workflow_handle(lifecycle_workflow_id(case_ref, "lig-triage"))
    return await handle.query("view", result_type=LifecycleView)


async def lig_step(h: Harness, case_ref: str, step: str) -> LifecycleView:
    return await eventually(lambda: lig_view(h, case_ref), lambda v: v.step == step,
                            what=f"LIG step '{step}'")


def lig(h: Harness, case_ref: str) -> WorkflowHandle[Any, Any]:
    return h.client.get_workflow_handle(lifecycle_workflow_id(case_ref, "lig-triage"))


async def signal(h: Harness, case_ref: str, name: str, arg: BaseModel) -> None:
    """Record, as the CLI does (an update)."""
    await send(lig(h, case_ref), name, arg)


def deadline(v: LifecycleView, key: str):  # noqa: ANN201
    return next(d for d in v.deadlines if d.key == key)


async def do_not_notify(h: Harness) -> str:
    case_ref = await h.start()
    (view,) = await h.mail.wait_for("sin_initial_view_request", h.email("lig_chair"))
    await h.answer(view, "do_not_notify", "threshold not met")
    for role in ("police", "icb"):
        (request,) = await h.mail.wait_for("sin_partner_response_request", h.email(role))
        await h.answer(request, "agree", "agreed")
    return case_ref


async def route(h: Harness, case_ref: str, choice: str) -> None:
    (request,) = await h.mail.wait_for("lig_route_request", h.email("lig_chair"),
                                       case_ref=case_ref)
    await h.answer(request, choice, f"route {choice}")


async def test_no_further_action_closes_the_case_after_the_dispute_window(
        harness: Harness) -> None:
    h = harness
    case_ref = await do_not_notify(h)
    await route(h, case_ref, "no_further_action")
    notices = await h.mail.wait_for("lig_decision_notice", count=5, case_ref=case_ref)
    assert "priya.referrer@example.org" in {m.to for m in notices}
    assert "no further action" in notices[0].text
    await lig_step(h, case_ref, "open to dispute")
    await h.skip(days=9)
    view = await h.stage(case_ref, "closed")
    states = {d["key"]: d["state"] for d in view["deadlines"] if d["key"].startswith("lig.")}
    assert states == {"lig.route": "met", "lig.dispute_window": "met"}
    assert (await h.case(case_ref).result()).closed_reason == "LIG decision: no further action"


async def test_lig_discussion_with_scoping_to_a_local_learning_event(harness: Harness) -> None:
    h = harness
    case_ref = await do_not_notify(h)
    await route(h, case_ref, "lig_discussion")
    for agency in ("childrens_social_care", "police", "health", "education"):
        lead = h.settings.profile.agencies[agency].safeguarding_lead.email
        (request,) = await h.mail.wait_for("lig_scoping_request", lead, case_ref=case_ref)
        await h.answer(request, "not_known", "no record")
    await lig_step(h, case_ref, "awaiting the LIG decision")
    await signal(h, case_ref, "record_decision",
                 LigDecision(decision="local_learning_event", rationale="new learning"))
    await lig_step(h, case_ref, "open to dispute")
    await h.skip(days=9)
    view = await h.stage(case_ref, "local_learning_event")
    states = {d["key"]: d["state"] for d in view["deadlines"] if d["key"].startswith("lig.")}
    assert states["lig.scoping_returns"] == "met"


async def test_dispute_escalated_to_the_partnership_chair(harness: Harness) -> None:
    h = harness
    case_ref = await do_not_notify(h)
    await route(h, case_ref, "leads_meeting")
    await lig_step(h, case_ref, "awaiting the LIG decision")
    assert "not open to dispute (step: awaiting the LIG decision)" in await refusal(
        lig(h, case_ref), "raise_dispute", Dispute(raised_by="police", grounds="too early"))
    await signal(h, case_ref, "record_decision",
                 LigDecision(decision="other_workstream", rationale="multi-agency audit"))
    await lig_step(h, case_ref, "open to dispute")
    await signal(h, case_ref, "raise_dispute",
                 Dispute(raised_by="police", grounds="practice concerns need a learning event"))
    raised = await h.mail.wait_for("lig_dispute_raised", count=4, case_ref=case_ref)
    assert "practice concerns" in raised[0].text
    await lig_step(h, case_ref, "dispute: collective review")
    await signal(h, case_ref, "record_dispute_review",
                 DisputeReview(outcome="no_agreement", rationale="LA and police differ"))
    (chair,) = await h.mail.wait_for("lig_dispute_chair_request", h.email("partnership_chair"))
    await h.answer(chair, "local_learning_event", "the concerns warrant a learning event")
    view = await h.stage(case_ref, "local_learning_event")
    v = await lig_view(h, case_ref)
    assert deadline(v, "lig.dispute_review").state == "met"
    assert deadline(v, "lig.dispute_escalation").state == "met"
    final = [d for d in view["decisions"] if d["kind"] == "lig_decision"]
    assert final[-1]["choice"] == "local_learning_event"
    assert final[-1]["by"] == "Partnership Chair (Morgan Chair)"


async def test_missed_collective_review_is_escalated(harness: Harness) -> None:
    h = harness
    case_ref = await do_not_notify(h)
    await route(h, case_ref, "leads_meeting")
    await lig_step(h, case_ref, "awaiting the LIG decision")
    await signal(h, case_ref, "record_decision",
                 LigDecision(decision="no_further_action", rationale="learning already taken"))
    await lig_step(h, case_ref, "open to dispute")
    await signal(h, case_ref, "raise_dispute", Dispute(raised_by="icb", grounds="disagree"))
    await lig_step(h, case_ref, "dispute: collective review")
    await h.skip(days=6)
    escalations = [m for m in await h.mail.wait_for("step_overdue", count=2, case_ref=case_ref)
                   if "Collective review" in m.subject]
    assert {m.to for m in escalations} == {h.email("team"), h.email("lig_chair")}
    assert deadline(await lig_view(h, case_ref), "lig.dispute_review").state == "missed"
    await signal(h, case_ref, "record_dispute_review",
                 DisputeReview(outcome="agreed", decision="single_agency_learning",
                               rationale="agreed late"))
    result = await h.case(case_ref).result()
    assert result.closed_reason.startswith("LIG decision: single-agency learning")


async def test_referral_for_discussion_goes_straight_to_the_lig(harness: Harness) -> None:
    h = harness
    case_ref = await h.start(referred_for="case_for_discussion", abuse_or_neglect="not_suspected")
    await route(h, case_ref, "no_further_action")
    await h.mail.wait_for("lig_decision_notice", count=5, case_ref=case_ref)
    view = await h.show(case_ref)
    assert [lc["name"] for lc in view["lifecycles"]] == ["lig-triage"]
    assert not h.mail.find("sin_initial_view_request")
