"""Commands that answer back: each validator of the case, the SIN decision, the rapid review and
the answer every lifecycle takes refuses what does not fit, with its reason, and writes nothing
to the workflow's history (`refusal` checks that no update event was recorded)."""

from __future__ import annotations

from datetime import date, timedelta

from domain.case import (
    CloseCase,
    CommissionLcspr,
    MarkAbsent,
    MeetingOutcome,
    ResendLinks,
    SubmissionReference,
)
from domain.rapid_review import MeetingPlan, NotHeld, PanelReply
from starter.commands import send
from tests.support import refusal
from tests.workflows.conftest import Harness
from tests.workflows.test_rapid_review import (
    deadline,
    meeting_day,
    meeting_stage,
    record,
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
