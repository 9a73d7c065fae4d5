"""Commands that answer back: each validator of every review (and of the answer every lifecycle
takes) refuses what does not fit, with its reason, and writes nothing to the workflow's history
(`refusal` checks that no update event was recorded)."""

from __future__ import annotations

from datetime import date, timedelta

from domain.calendar import london_today
from domain.case import CloseCase, CommissionLcspr, MarkAbsent, ResendLinks
from domain.lcspr import (
    ExecutiveApproval,
    NewInformation,
    Pause,
    PublicationPlan,
    QualityAssurance,
    Revision,
    Workshop,
)
from domain.lig_triage import DisputeReview, LigDecision
from domain.local_learning_event import (
    Dissemination,
    LleQualityAssurance,
    LleWorkshop,
    ReportReady,
    SinInformation,
)
from domain.rapid_review import MeetingPlan, NotHeld, PanelReply
from domain.sin_decision import MeetingOutcome, SubmissionReference
from starter.commands import send
from tests.scenarios import record, reviewer
from tests.support import refusal
from tests.workflows.harness import Harness
from tests.workflows.learning_steps import refused, step
from tests.workflows.test_lcspr import start_lcspr
from tests.workflows.test_lig_triage import do_not_notify, lig, lig_step, route
from tests.workflows.test_rapid_review import (
    deadline,
    meeting_day,
    meeting_stage,
    scoping_requests,
)
from tests.workflows.test_sin_decision import PROFILE_EMAILS


async def test_case_and_sin_decision_refuse_what_does_not_fit(harness: Harness) -> None:
    h = harness
    case_ref = await h.start()
    (view_request,) = await h.mail.wait_for("sin_initial_view_request",
                                            PROFILE_EMAILS["lig_chair"], case_ref=case_ref)
    case, sin = h.case(case_ref), h.sin(case_ref)

    assert "unknown role 'plumber'" in await refusal(case, "mark_absent",
                                                     MarkAbsent(role="plumber"))
    assert "cannot close while sin-decision is running" in await refusal(
        case, "close", CloseCase(reason="done"))
    assert "only when no lifecycle is running" in await refusal(
        case, "commission_lcspr", CommissionLcspr(decided_on=date(2026, 1, 5)))

    assert "no resolution meeting is pending (step: initial view)" in await refusal(
        sin, "record_meeting", MeetingOutcome(outcome="notify", rationale="agreed"))
    assert "no submission reference is awaited" in await refusal(
        sin, "record_reference", SubmissionReference(reference="SIN-1"))
    assert "unknown role 'plumber'" in await refusal(sin, "mark_absent",
                                                     MarkAbsent(role="plumber"))
    reason = await refusal(sin, "resend_links", ResendLinks(role="police"))
    assert "no open question awaits police" in reason and "lig_chair" in reason

    # A partner's answer: every rule the page used to check is the workflow's own now.
    assert await h.refused_answer(view_request, "maybe") == "Please choose one of the options."
    assert await h.refused_answer(view_request, "notify", rationale=" ") == \
        "Please give your rationale."
    await h.answer(view_request, "notify", "criteria met")  # still open: refusals changed nothing
    assert "it is answered" in await h.refused_answer(view_request, "do_not_notify")
    show = await h.show(case_ref)
    assert [d["choice"] for d in show["decisions"] if d["kind"] == "initial_view"] == ["notify"]
    assert not show["absent_roles"]


async def test_the_rapid_review_refuses_what_does_not_fit(wm_harness: Harness) -> None:
    h = wm_harness
    case_ref, view = await meeting_stage(h)
    rr, window = h.rr(case_ref), deadline(view, "rr.meeting_window")
    scoping = await scoping_requests(h, case_ref)
    reason = await h.refused_answer(scoping["health"], "returned", fields={"completer": "Jo"})
    assert "please complete this" in reason and "involvement" in reason.lower()

    assert "not awaiting the Panel's reply (step: meeting)" in await refusal(
        rr, "record_panel_reply", PanelReply(reply="content"))
    assert f"held_on: {window.opens} is in the future" in await refusal(
        rr, "record_outcome", record(window.opens))
    outside = window.due + timedelta(days=7)
    assert "outside that window" in await refusal(rr, "set_meeting", MeetingPlan(on=outside))

    receipt = await send(rr, "set_meeting", MeetingPlan(on=window.opens, place="Online"))
    assert receipt.sent and all(m.template == "rr_meeting_invitation" for m in receipt.sent)
    await send(rr, "record_outcome", record(await meeting_day(h, window)))
    await h.rr_step(case_ref, "ratification")
    assert "the meeting can no longer be set (rapid review step: ratification)" in await refusal(
        rr, "set_meeting", MeetingPlan(on=window.opens))
    assert "too late to decide not to hold it" in await refusal(
        rr, "record_not_held", NotHeld(rationale="changed our minds"))
    assert "not expecting a record now (step: ratification)" in await refusal(
        rr, "record_outcome", record(window.opens))


async def test_the_lcspr_refuses_recordings_out_of_turn(wm_harness: Harness) -> None:
    h = wm_harness
    lcspr = await start_lcspr(h)
    await h.mail.wait_for("lcspr_commissioned", h.email("partnership_chair"))
    today = london_today()
    note = NewInformation(details="noted")
    for update, arg, reason in (
            ("remove_reviewer", note, "there is no reviewer in post to remove"),
            ("schedule_workshop", Workshop(kind="learning_workshop", on=today),
             "record the terms of reference before planning a workshop"),
            ("record_draft", note, "not expecting a draft now (phase: commissioning)"),
            ("record_qa", QualityAssurance(outcome="approved"),
             "no draft is awaiting quality assurance (phase: commissioning)"),
            ("record_executive", ExecutiveApproval(approved_on=today),
             "not awaiting Executive approval (phase: commissioning)"),
            ("plan_publication", PublicationPlan(on=today, report_url="https://r"),
             "the Executive must approve before publication is planned"),
            ("resume", note, "the review is not paused"),
            ("request_revision", Revision(agency="police", work="chronology", due=today,
                                          request="more"),
             "no chronology from police to revise yet")):
        assert reason in await refusal(lcspr, update, arg), update

    receipt = await send(lcspr, "appoint_reviewer", reviewer("Rowan First"))
    assert {m.template for m in receipt.sent} == {"lcspr_reviewer_notice"}  # sent, then receipted
    assert "Rowan First is the reviewer: remove them first" in await refusal(
        lcspr, "appoint_reviewer", reviewer("Sasha Second"))
    await send(lcspr, "pause", Pause(reason="inquest", details="listed"))
    assert "already paused or published" in await refusal(
        lcspr, "pause", Pause(reason="inquest", details="again"))


async def test_the_learning_event_and_the_lig_route_refuse_recordings_out_of_turn(
        harness: Harness) -> None:
    h = harness
    case_ref = await do_not_notify(h)
    await route(h, case_ref, "leads_meeting")
    await lig_step(h, case_ref, "awaiting the LIG decision")
    assert "no dispute is under collective review (step: awaiting the LIG decision)" in \
        await refusal(lig(h, case_ref), "record_dispute_review",
                      DisputeReview(outcome="no_agreement", rationale="differ"))
    await send(lig(h, case_ref), "record_decision",
               LigDecision(decision="local_learning_event", rationale="new learning"))
    assert "the LIG decision is already recorded (local_learning_event)" in await refusal(
        lig(h, case_ref), "record_decision",
        LigDecision(decision="no_further_action", rationale="again"))
    await lig_step(h, case_ref, "open to dispute")
    assert "not awaiting the LIG decision (step: open to dispute)" in await refusal(
        lig(h, case_ref), "record_decision",
        LigDecision(decision="no_further_action", rationale="again"))
    await h.skip(days=9)
    await step(h, case_ref, "local-learning-event", "terms")
    today = await h.today()
    for update, arg in (("schedule_workshop", LleWorkshop(on=today, place="Newport")),
                        ("record_report", ReportReady(summary="early")),
                        ("record_qa", LleQualityAssurance(outcome="assured")),
                        ("record_dissemination", Dissemination(methods=["briefing"]))):
        assert "not expected now (phase: terms)" in await refused(
            h, case_ref, "local-learning-event", update, arg), update
    assert "is in the future" in await refused(
        h, case_ref, "local-learning-event", "sin_information",
        SinInformation(details="news", learned_on=today + timedelta(days=3)))
