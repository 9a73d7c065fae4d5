"""Rapid review (SPEC §5) on the time-skipping server: agencies and partners answer through
their emailed links; the operator records the meeting through updates (as the CLI does)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from domain.calendar import LONDON
from domain.case import MarkAbsent
from domain.papers import PapersLookup, PapersView
from domain.rapid_review import MeetingPlan, NotHeld, PanelReply
from starter.commands import send
from tests.scenarios import SCOPING, record
from tests.support import PERSONAL, Mail, claims_of, eventually, refusal
from tests.workflows.harness import Harness

AGENCIES = ("childrens_social_care", "police", "health", "education")
NATIONAL = {"Mailbox.NationalReviewPanel@education.gov.uk", "SCR.SIN@ofsted.gov.uk",
            "Mailbox.CPOD@education.gov.uk"}
DECISION_MAKERS = ("la_decision_maker", "police_decision_maker", "icb_decision_maker")


def deadline(view: Any, key: str) -> Any:
    return next(d for d in view.deadlines if d.key == key)


async def scoping_requests(h: Harness, case_ref: str) -> dict[str, Mail]:
    leads = {key: h.settings.profile.agencies[key].safeguarding_lead.email for key in AGENCIES}
    found = {}
    for key, email in leads.items():
        (mail,) = await h.mail.wait_for("rr_scoping_request", email, case_ref=case_ref)
        found[key] = mail
    return found


async def ratify_all(h: Harness, case_ref: str, count: int = 1) -> None:
    for role in DECISION_MAKERS:
        requests = await h.mail.wait_for("rr_ratification_request", h.email(role), count=count,
                                         case_ref=case_ref)
        await h.answer(requests[-1], "ratify", "ratified")


async def meeting_day(h: Harness, window: Any) -> date:
    """A meeting is recorded once it has been held: move the clock to the window's first day."""
    noon = datetime.combine(window.opens, time(12), tzinfo=LONDON)
    if noon > await h.env.get_current_time():
        await h.skip_past(noon)
    return window.opens  # type: ignore[no-any-return]


async def meeting_stage(h: Harness) -> tuple[str, Any]:
    case_ref = await h.start()
    await h.notify(case_ref)
    view = await h.rr_step(case_ref, "meeting")
    return case_ref, view


async def test_on_time_returns_quorate_meeting_ratified_and_submitted(wm_harness: Harness) -> None:
    h = wm_harness
    case_ref, view = await meeting_stage(h)
    for key, mail in (await scoping_requests(h, case_ref)).items():
        assert "secure all records" in mail.text.lower() or "Secure all records" in mail.text
        if key == "education":
            await h.answer(mail, "not_known", "no record of the family")
        else:
            await h.answer_with_fields(mail, "returned", SCOPING)
    view = await eventually(lambda: h.rr_view(case_ref),
                            lambda v: deadline(v, "rr.scoping_returns").state != "pending",
                            what="all scoping returns")
    assert deadline(view, "rr.scoping_returns").state == "met"
    assert all(deadline(view, f"rr.scoping_returns.{a}").state == "met" for a in AGENCIES)
    returned = next(q for q in view.questions if q.id == "scoping:health")
    assert returned.answer.fields["records_secured"] == "yes"
    assert not h.mail.find("rr_scoping_reminder")

    window = deadline(view, "rr.meeting_window")
    await send(h.rr(case_ref), "set_meeting", MeetingPlan(on=window.opens))
    # One each: the LIG chair, Service Director, police and ICB representatives (each also
    # an agency's), the CSC and education representatives, and the team's copy.
    invitations = await h.mail.wait_for("rr_meeting_invitation", count=7, case_ref=case_ref)
    assert len({m.to for m in invitations}) == 7
    assert {h.email("police"), h.email("team")} <= {m.to for m in invitations}
    assert all("the papers below are complete" in m.text for m in invitations)
    await send(h.rr(case_ref), "record_outcome", record(await meeting_day(h, window)))
    await ratify_all(h, case_ref)
    (endorse,) = await h.mail.wait_for("rr_endorsement_request",
                                       h.email("independent_scrutineer"), case_ref=case_ref)

    view = await h.rr_step(case_ref, "awaiting the Panel's reply")
    submission = deadline(view, "rr.submission")
    assert submission.state == "met"
    assert submission.due <= deadline(view, "rr.meeting_window").due  # tightened: meeting +2 WD
    assert deadline(view, "rr.submission_after_meeting").state == "met"  # not left pending
    sent = {m.to: m for m in h.mail.find(case_ref=case_ref)
            if m.template in ("rr_panel_submission", "rr_decision_notice")}
    assert set(sent) == NATIONAL
    panel = sent["Mailbox.NationalReviewPanel@education.gov.uk"]
    attachment = next(panel.msg.iter_attachments())
    document = attachment.get_content()
    assert "Rapid review" in document and case_ref in document
    for mail in sent.values():
        raw = mail.raw + (document if mail is panel else "")
        assert not any(p.lower() in raw.lower() for p in PERSONAL), mail.to
        assert "Z.T." not in raw
    assert "[redacted]" in document  # the names typed into the record were taken out
    local = {m.to for m in h.mail.find("rr_outcome_local", case_ref=case_ref)}
    assert {h.email("independent_scrutineer"), "priya.referrer@example.org"} <= local
    assert h.settings.profile.agencies["education"].safeguarding_lead.email in local

    await send(h.rr(case_ref), "record_panel_reply", PanelReply(reply="content"))
    result = await h.rr(case_ref).result()
    assert result.held and result.recommendation == "b" and result.panel_reply == "content"
    case = await h.stage(case_ref, "lcspr")  # (b): the LCSPR starts, from the meeting date
    assert any(d["kind"] == "lcspr_commissioned" and str(d["rationale"]).endswith(
        deadline(view, "rr.meeting_window").opens.isoformat()) for d in case["decisions"])
    states = {d["key"]: d["state"] for d in case["deadlines"] if d["key"].startswith("rr.")}
    assert states["rr.panel_response"] == "met" and states["rr.submission"] == "met"
    assert endorse.links  # optional endorsement was offered, not awaited


async def test_late_agency_is_reminded_and_escalated_and_the_review_completes(
        wm_harness: Harness) -> None:
    h = wm_harness
    case_ref, view = await meeting_stage(h)
    requests = await scoping_requests(h, case_ref)
    for key in ("childrens_social_care", "police", "health"):
        await h.answer_with_fields(requests[key], "returned", SCOPING)
    await h.skip(days=9)  # education never replies by its return date
    lead = h.settings.profile.agencies["education"]
    (reminder,) = await h.mail.wait_for("rr_scoping_reminder", lead.safeguarding_lead.email)
    escalations = await h.mail.wait_for("rr_scoping_overdue", count=2, case_ref=case_ref)
    assert {m.to for m in escalations} == {lead.lig_representative.email, h.email("team")}
    view = await h.rr_view(case_ref)
    assert deadline(view, "rr.scoping_returns.education").state == "missed"
    assert deadline(view, "rr.scoping_returns.health").state == "met"
    assert deadline(view, "rr.scoping_returns").state == "missed"

    await h.answer(reminder, "not_known", "confirmed late")  # a late reply still counts
    view = await eventually(lambda: h.rr_view(case_ref),
                            lambda v: deadline(v, "rr.scoping_returns.education").completed_at,
                            what="the late return")
    window = deadline(view, "rr.meeting_window")
    await send(h.rr(case_ref), "record_outcome", record(await meeting_day(h, window)))
    await ratify_all(h, case_ref)
    await h.rr_step(case_ref, "awaiting the Panel's reply")


async def test_meeting_outside_the_window_and_inquorate_meeting_are_refused(
        wm_harness: Harness) -> None:
    h = wm_harness
    case_ref, view = await meeting_stage(h)
    window = deadline(view, "rr.meeting_window")
    too_late = date.fromordinal(window.due.toordinal() + 7)
    assert "outside that window" in await refusal(h.rr(case_ref), "set_meeting",
                                                  MeetingPlan(on=too_late))
    inquorate = record(window.opens, participants=[
        {"name": "Lee Representative", "agency": "childrens_social_care"},
        {"name": "Jo Nurse", "agency": "health"}],
        absences={"police": "unavailable", "education": "not invited"})
    reason = await refusal(h.rr(case_ref), "record_outcome", inquorate)
    assert "not quorate" in reason and "police" in reason
    view = await h.rr_view(case_ref)
    assert view.step == "meeting"
    assert not h.mail.find("rr_meeting_invitation", case_ref=case_ref)
    assert not h.mail.find("rr_ratification_request", case_ref=case_ref)


async def test_objection_goes_back_to_the_lig_chair_and_a_revised_record_is_ratified(
        wm_harness: Harness) -> None:
    h = wm_harness
    case_ref, view = await meeting_stage(h)
    window = deadline(view, "rr.meeting_window")
    await send(h.rr(case_ref), "record_outcome", record(await meeting_day(h, window)))
    police = (await h.mail.wait_for("rr_ratification_request",
                                    h.email("police_decision_maker")))[0]
    await h.answer(police, "object", "the lines of enquiry omit the police contact in May")
    for role in ("la_decision_maker", "icb_decision_maker"):
        (request,) = await h.mail.wait_for("rr_ratification_request", h.email(role))
        await h.answer(request, "ratify", "ratified")
    objections = await h.mail.wait_for("rr_objection", count=2, case_ref=case_ref)
    assert {m.to for m in objections} == {h.email("lig_chair"), h.email("team")}
    assert "police contact in May" in objections[0].text
    await h.rr_step(case_ref, "revising the record after an objection")

    revised = record(window.opens, key_lines_of_enquiry=["Police contact in May",
                                                         "Information sharing"])
    await send(h.rr(case_ref), "record_outcome", revised)
    await ratify_all(h, case_ref, count=2)
    view = await h.rr_step(case_ref, "awaiting the Panel's reply")
    choices = [d.choice for d in view.decisions if d.kind == "ratification"]
    assert choices.count("object") == 1 and choices.count("ratify") == 5


async def test_submission_deadline_missed_is_escalated(wm_harness: Harness) -> None:
    h = wm_harness
    case_ref, view = await meeting_stage(h)
    await send(h.rr(case_ref), "record_outcome",
                                record(await meeting_day(h, deadline(view, "rr.meeting_window"))))
    await h.rr_step(case_ref, "ratification")
    await h.skip(days=30)  # nobody ratifies
    await h.mail.wait_for("step_overdue", count=4, case_ref=case_ref)
    # The SIN reference was never recorded either; keep to the rapid review's escalation.
    escalations = [m for m in h.mail.find("step_overdue", case_ref=case_ref)
                   if "Rapid review submitted to the Panel" in m.subject]
    assert {m.to for m in escalations} == {h.email("team"), h.email("lig_chair")}
    view = await h.rr_view(case_ref)
    assert deadline(view, "rr.submission").state == "missed"
    await ratify_all(h, case_ref)  # late ratification still leads to the submission
    view = await h.rr_step(case_ref, "awaiting the Panel's reply")
    assert deadline(view, "rr.submission").state == "missed"
    assert deadline(view, "rr.submission").completed_at is not None
    assert h.mail.find("rr_panel_submission", case_ref=case_ref)


async def test_no_rapid_review_path(wm_harness: Harness) -> None:
    h = wm_harness
    case_ref, _ = await meeting_stage(h)
    await send(h.rr(case_ref), "record_not_held", NotHeld(
        rationale="Zephyrine's case is already subject to a joint review; agreed by partners."))
    result = await h.rr(case_ref).result()
    assert not result.held
    (panel,) = await h.mail.wait_for("rr_not_held_panel",
                                     "Mailbox.NationalReviewPanel@education.gov.uk")
    assert "joint review" in panel.text and "Zephyrine" not in panel.raw
    oversight = await h.mail.wait_for("rr_not_held_oversight", h.email("independent_scrutineer"))
    assert oversight
    view = await h.rr_view(case_ref)
    assert deadline(view, "rr.submission").state == "waived"
    await h.stage(case_ref, "lig_route")


async def test_case_after_notification_anchor_starts_review_when_submitted(
        harness: Harness) -> None:
    """Isle of Wight: the 15 working days run from the SIN submission."""
    h = harness
    case_ref = await h.start()
    await h.notify(case_ref)
    await h.stage(case_ref, "awaiting_rapid_review")
    assert not h.mail.find("rr_scoping_request")
    (reference,) = await h.mail.wait_for("sin_reference_request",
                                         h.email("la_service_director"))
    await h.answer(reference, "submitted", reference="SIN-77")
    await h.stage(case_ref, "rapid_review")
    view = await h.rr_step(case_ref, "meeting")
    requests = deadline(view, "rr.scoping_requests")
    assert requests.state == "met"
    assert isinstance(requests.due_at, datetime)


async def test_meeting_papers_show_every_return_to_those_invited(wm_harness: Harness) -> None:
    """The meeting is set before the returns are in: each invitee (a deputy for the absent
    police representative among them) gets a papers link, and is told once the papers are
    complete; the papers show every field of each return, and nothing changes by reading."""
    h = wm_harness
    case_ref, view = await meeting_stage(h)
    await send(h.rr(case_ref), "mark_absent", MarkAbsent(role="police"))
    window = deadline(view, "rr.meeting_window")
    await send(h.rr(case_ref), "set_meeting", MeetingPlan(on=window.opens, place="Online"))
    invitations = await h.mail.wait_for("rr_meeting_invitation", count=7, case_ref=case_ref)
    invited = {m.to: m for m in invitations}
    assert h.email("police") not in invited
    deputy = invited["scr.team@police.example.org"]
    assert "deputy for the Police LIG representative" in deputy.text
    assert "representative of" in deputy.text and "Police LIG representative" in deputy.text
    assert all("as it arrives" in m.text and "/papers/" in m.links[0] for m in invitations)

    for key, mail in (await scoping_requests(h, case_ref)).items():
        if key == "education":
            await h.answer(mail, "not_known")
        else:
            await h.answer_with_fields(mail, "returned", SCOPING, "sent by secure email too")
    complete = await h.mail.wait_for("rr_meeting_papers", count=7, case_ref=case_ref)
    assert {m.to for m in complete} == set(invited)
    assert "4 of 4 agencies have replied" in complete[0].text
    for mail in complete:  # one papers link each, kept (signed afresh: a later expiry)
        assert claims_of(mail.links[0]).nonce == claims_of(invited[mail.to].links[0]).nonce

    claims = claims_of(deputy.links[0])
    papers = await h.rr(case_ref).query("papers", PapersLookup(nonce=claims.nonce),
                                        result_type=PapersView)
    assert papers.status == "open" and papers.recipient.email == "scr.team@police.example.org"
    assert papers.meeting is not None and papers.meeting.place == "Online"
    assert "Zephyrine" in papers.context["child_name"]
    health = next(r for r in papers.returns if r.agency == h.settings.profile.agencies[
        "health"].name)
    assert health.answer is not None and health.answer.fields == SCOPING
    unknown = await h.rr(case_ref).query("papers", PapersLookup(nonce="not-a-nonce"),
                                         result_type=PapersView)
    assert unknown.status == "unknown" and not unknown.returns
    for mail in [*invitations, *complete]:
        assert not any(p in mail.raw for p in PERSONAL)


async def test_an_absence_recorded_on_the_case_carries_into_the_rapid_review(
        wm_harness: Harness) -> None:
    """The police representative is away from the SIN decision on: the rapid review, started
    later, writes to the deputies from its first message (as `case absent` records it)."""
    h = wm_harness
    case_ref = await h.start()
    (initial,) = await h.mail.wait_for("sin_initial_view_request", h.email("lig_chair"),
                                       case_ref=case_ref)
    await h.case(case_ref).signal("mark_absent", MarkAbsent(role="police"))
    await h.mark_absent(case_ref, "police")
    await h.answer(initial, "notify", "criteria met")
    deputy = "scr.team@police.example.org"
    for to in (deputy, h.email("icb")):
        (request,) = await h.mail.wait_for("sin_partner_response_request", to,
                                           case_ref=case_ref)
        await h.answer(request, "agree", "agreed")
    view = await h.rr_step(case_ref, "meeting")
    assert view.absent_roles == ["police"]
    await send(h.rr(case_ref), "set_meeting",
                                MeetingPlan(on=deadline(view, "rr.meeting_window").opens))
    invitations = await h.mail.wait_for("rr_meeting_invitation", count=7, case_ref=case_ref)
    assert deputy in {m.to for m in invitations}
    assert h.email("police") not in {m.to for m in invitations}
    assert (await h.show(case_ref))["absent_roles"] == ["police"]
