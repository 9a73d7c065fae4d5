"""LCSPR (SPEC §7) over six months on the time-skipping server: a late agency, a reviewer
replaced, a pause for an inquest, a publication date too close for notice, then publication
with the notice and the NSPCC copy checked. Agencies and partners answer by their links."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle

from domain.calendar import LONDON, london_today, working_days_between
from domain.case import LifecycleView, ResendLinks, lifecycle_workflow_id
from domain.lcspr import (
    ExecutiveApproval,
    FamilyRecord,
    LcsprInput,
    LcsprResult,
    NewInformation,
    Pause,
    Publication,
    PublicationPlan,
    QualityAssurance,
    Revision,
    TermsOfReference,
    Workshop,
)
from domain.referral import parse_referral
from starter.commands import CommandRefused, send
from tests.scenarios import LCSPR_AGENCIES as AGENCIES
from tests.scenarios import SUBMISSION, reviewer
from tests.support import (
    PERSONAL,
    claims_of,
    eventually,
    history_lengths,
    referral_data,
    refusal,
)
from tests.workflows.harness import Harness
from workflows.lcspr import LcsprWorkflow

NATIONAL = {"Mailbox.NationalReviewPanel@education.gov.uk", "SCR.SIN@ofsted.gov.uk",
            "Mailbox.CPOD@education.gov.uk"}
NSPCC = "information@nspcc.org.uk"


async def start_lcspr(h: Harness, events_per_run: int = 1500) -> WorkflowHandle[Any, LcsprResult]:
    today = london_today()
    referral = parse_referral(referral_data(today), known_agencies=set(h.settings.profile.agencies))
    case_ref = "WMSCP-2026-LCSP"
    h.direct.append(("lcspr", lifecycle_workflow_id(case_ref, "lcspr")))  # for replay tests
    return await h.client.start_workflow(
        LcsprWorkflow.run,
        LcsprInput(case_ref=case_ref, parent_workflow_id=f"case-{case_ref}", referral=referral,
                   profile=h.settings.profile, decided_on=today,
                   key_lines_of_enquiry=["Information sharing between agencies"],
                   events_per_run=events_per_run),
        id=lifecycle_workflow_id(case_ref, "lcspr"), task_queue=h.settings.temporal_task_queue)


async def view(handle: WorkflowHandle) -> LifecycleView:
    return await handle.query("view", result_type=LifecycleView)


async def phase(handle: WorkflowHandle, expected: str) -> LifecycleView:
    return await eventually(lambda: view(handle), lambda v: v.step == expected,
                            what=f"LCSPR phase {expected}")


def due(v: LifecycleView, key: str) -> Any:
    return next(d for d in v.deadlines if d.key == key)


@pytest.mark.parametrize("events_per_run", [1500, 150], ids=["default", "many-runs"])
async def test_six_month_review_to_publication(wm_harness: Harness, events_per_run: int,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    h = wm_harness
    lcspr = await start_lcspr(h, events_per_run)
    today = london_today()
    await h.mail.wait_for("lcspr_commissioned", h.email("partnership_chair"))
    v = await view(lcspr)
    assert due(v, "lcspr.publication").due == _six_months(today)

    await send(lcspr, "appoint_reviewer", reviewer("Rowan First"))
    await h.mail.wait_for("lcspr_reviewer_notice", count=3)
    terms = TermsOfReference(
        period_from=today - timedelta(days=365), period_to=today,
        key_lines_of_enquiry=["How was information shared?"],
        methodology=["chronologies", "information_reports", "learning_workshop"],
        agencies=AGENCIES, family_plan="Mother to be invited once police agree timing.",
        key_dates={"agency_submissions_due": today + timedelta(days=28)})
    await send(lcspr, "record_terms", terms)
    for agency in AGENCIES:
        lead = h.settings.profile.agencies[agency].safeguarding_lead.email
        chronology, report = await h.mail.wait_for("lcspr_chronology_request", lead), \
            await h.mail.wait_for("lcspr_information_report_request", lead)
        await h.answer_with_fields(chronology[0], "submitted", SUBMISSION)
        if agency != "health":  # health's information report will be late
            await h.answer_with_fields(report[0], "submitted", SUBMISSION)

    await h.skip(days=35)  # past the submission date
    health = h.settings.profile.agencies["health"]
    (reminder,) = await h.mail.wait_for("lcspr_submission_reminder",
                                        health.safeguarding_lead.email)
    overdue = await h.mail.wait_for("lcspr_submission_overdue", count=2)
    assert {m.to for m in overdue} == {health.lig_representative.email, h.email("team")}
    assert due(await view(lcspr), "lcspr.information_report.health").state == "missed"
    await h.answer_with_fields(reminder, "submitted", SUBMISSION)  # late, still recorded

    await send(lcspr, "remove_reviewer", NewInformation(details="conflict came to light"))
    await send(lcspr, "appoint_reviewer", reviewer("Sasha Second"))
    replaced = await h.mail.wait_for("lcspr_reviewer_notice", count=6)
    assert any("Sasha Second" in m.text and "replaced" in m.subject for m in replaced)

    await send(lcspr, "pause", Pause(reason="inquest", details="Coroner's inquest listed."))
    await h.mail.wait_for("lcspr_paused", count=2)
    v = await eventually(lambda: view(lcspr),
                         lambda v: due(v, "lcspr.publication").state == "paused")
    before = due(v, "lcspr.publication").due
    await h.skip(days=30)
    await send(lcspr, "resume", NewInformation(details="Inquest concluded."))
    await h.mail.wait_for("lcspr_resumed", count=2)
    v = await eventually(lambda: view(lcspr),
                         lambda v: due(v, "lcspr.publication").state == "pending")
    after = due(v, "lcspr.publication").due
    assert 29 <= (after - before).days <= 31

    await send(lcspr, "record_draft", NewInformation(details="draft v1"))
    await phase(lcspr, "quality_assurance")
    await send(lcspr, "record_qa", QualityAssurance(outcome="approved"))
    for role in ("la_decision_maker", "police_decision_maker", "icb_decision_maker"):
        (request,) = await h.mail.wait_for("lcspr_approval_request", h.email(role))
        await h.answer(request, "approve", "approved")
    await phase(lcspr, "executive_approval")
    now = (await h.env.get_current_time()).astimezone(LONDON).date()
    await send(lcspr, "record_executive", ExecutiveApproval(approved_on=now))
    await phase(lcspr, "publication")

    too_close = now + timedelta(days=3)
    with pytest.raises(CommandRefused, match="too close.*7 working days"):  # the calendar's
        await send(lcspr, "plan_publication",  # rule: refused after the update is accepted
                   PublicationPlan(on=too_close, report_url="https://x"))
    assert not h.mail.find("lcspr_prepublication_notice")

    publish_on = now + timedelta(days=21)
    await send(lcspr, "plan_publication", PublicationPlan(
        on=publish_on, report_url="https://secure.example.org/reports/wmscp-lcsp"))
    notices = await h.mail.wait_for("lcspr_prepublication_notice", count=3)
    assert {m.to for m in notices} == NATIONAL
    # Mail Date headers carry the real clock; the workflow's records carry test time.
    v = await eventually(lambda: view(lcspr),
                         lambda v: due(v, "lcspr.prepublication_notice").completed_at)
    noticed_on = due(v, "lcspr.prepublication_notice").completed_at.astimezone(LONDON).date()
    assert working_days_between(noticed_on, publish_on) >= 7
    await h.skip(days=21)
    await send(lcspr, "record_publication", Publication(
        on=publish_on, url="https://wmscp.example.org/reviews/2027-1", reviewer_named=True))
    result = await lcspr.result()
    assert result.published_on == publish_on
    (nspcc,) = await h.mail.wait_for("lcspr_nspcc", NSPCC)
    v = await view(lcspr)
    published = next(d for d in v.decisions if d.kind == "published")
    assert published.at.astimezone(LONDON).date() >= publish_on  # NSPCC told after publication
    assert v.messages[-1].template == "lcspr_nspcc"
    for mail in h.mail.all():
        if mail.to in NATIONAL | {NSPCC}:
            assert not any(p.lower() in mail.raw.lower() for p in PERSONAL), mail.template
            assert "Z.T." not in mail.raw

    v = await view(lcspr)
    assert due(v, "lcspr.publication").state == "met"
    assert due(v, "lcspr.prepublication_notice").state == "met"
    lengths = await history_lengths(h.client, lcspr.id)
    with capsys.disabled():
        print(f"\nLCSPR history ({events_per_run} events per run): {len(lengths)} run(s), "
              f"events per run {lengths}, longest {max(lengths)}")
    assert max(lengths) < 2000
    assert result.runs == len(lengths)
    if events_per_run == 150:
        assert len(lengths) > 1  # the state, questions and links survived continue-as-new


def _six_months(day: date) -> date:
    from domain.calendar import add_months

    return add_months(day, 6)


def police_only_terms(today: date) -> TermsOfReference:
    """Short terms of reference: chronologies from the police alone, due in 20 days."""
    return TermsOfReference(
        period_from=today - timedelta(days=90), period_to=today,
        key_lines_of_enquiry=["Voice of the child"], methodology=["chronologies"],
        agencies=["police"], family_plan="Father to be invited.",
        key_dates={"agency_submissions_due": today + timedelta(days=20)})


async def test_revision_family_workshop_objection_and_improvements_only(
        wm_harness: Harness) -> None:
    h = wm_harness
    lcspr = await start_lcspr(h)
    today = london_today()
    assert "appoint the reviewer" in await refusal(lcspr, "record_terms",
                                                   police_only_terms(today))
    await send(lcspr, "appoint_reviewer", reviewer("Rowan First"))
    await send(lcspr, "record_terms", police_only_terms(today))
    police_lead = h.settings.profile.agencies["police"].safeguarding_lead.email
    (request,) = await h.mail.wait_for("lcspr_chronology_request", police_lead)
    await h.answer_with_fields(request, "submitted", SUBMISSION)
    await send(lcspr, "request_revision", Revision(
        agency="police", work="chronology", due=today + timedelta(days=30),
        request="Add the May contacts."))
    (revision,) = await h.mail.wait_for("lcspr_revision_request", police_lead)
    assert "Add the May contacts." in revision.text
    await h.answer_with_fields(revision, "submitted", SUBMISSION)

    # Criminal proceedings may be pending (the referral says so): police agree the timing.
    assert "agree the timing of family contact with the police" in await refusal(
        lcspr, "record_family", FamilyRecord(member="father", status="contacted"))
    await send(lcspr, "record_family", FamilyRecord(member="father", status="contacted",
                                                    police_agreed_timing=True))
    await send(lcspr, "record_family", FamilyRecord(member="mother", status="declined",
                                                    reason="does not wish to take part"))
    await send(lcspr, "schedule_workshop", Workshop(kind="learning_workshop",
                                                    on=today + timedelta(days=40)))
    invitations = await h.mail.wait_for("lcspr_workshop_invitation", count=2)
    assert {m.to for m in invitations} == {police_lead, "rowan@reviewers.example.org"}
    await send(lcspr, "new_information", NewInformation(
        details="Zephyrine's sibling disclosed further harm."))
    (new_info,) = await h.mail.wait_for("lcspr_new_information",
                                        "Mailbox.NationalReviewPanel@education.gov.uk")
    assert "Zephyrine" not in new_info.raw and "[redacted]" in new_info.text

    await send(lcspr, "record_draft", NewInformation(details="draft v1"))
    await send(lcspr, "record_qa", QualityAssurance(outcome="approved"))
    police = (await h.mail.wait_for("lcspr_approval_request",
                                    h.email("police_decision_maker")))[0]
    await h.answer(police, "object", "the chronology gap is not analysed")
    for role in ("la_decision_maker", "icb_decision_maker"):
        (approval,) = await h.mail.wait_for("lcspr_approval_request", h.email(role))
        await h.answer(approval, "approve", "approved")
    objection = await h.mail.wait_for("lcspr_objection", count=2)
    assert "chronology gap" in objection[0].text
    await phase(lcspr, "drafting")
    await send(lcspr, "record_draft", NewInformation(details="draft v2"))
    await send(lcspr, "record_qa", QualityAssurance(outcome="approved"))
    for role in ("la_decision_maker", "police_decision_maker", "icb_decision_maker"):
        approvals = await h.mail.wait_for("lcspr_approval_request", h.email(role), count=2)
        await h.answer(approvals[-1], "approve", "approved")
    await phase(lcspr, "executive_approval")
    await send(lcspr, "record_executive", ExecutiveApproval(approved_on=today))
    await phase(lcspr, "publication")
    publish_on = today + timedelta(days=20)
    assert "plan the publication first" in await refusal(lcspr, "record_publication", Publication(
        on=publish_on, url="https://x", reviewer_named=True))
    await send(lcspr, "plan_publication", PublicationPlan(on=publish_on, report_url="https://r"))
    await h.mail.wait_for("lcspr_prepublication_notice", count=3)
    await h.skip(days=20)
    await send(lcspr, "record_publication", Publication(
        on=publish_on, url="https://wmscp.example.org/improvements", reviewer_named=True,
        improvements_only=True, justification="Publishing in full would identify Zephyrine."))
    result = await lcspr.result()
    assert result.improvements_only
    justification = await h.mail.wait_for("lcspr_improvements_only", count=2)
    assert {m.to for m in justification} == {"Mailbox.NationalReviewPanel@education.gov.uk",
                                             "Mailbox.CPOD@education.gov.uk"}
    assert all("Zephyrine" not in m.raw for m in justification)
    v = await view(lcspr)
    family = [d for d in v.decisions if d.kind == "family_engagement"]
    assert [d.choice for d in family] == ["contacted", "declined"]
    assert due(v, "lcspr.chronology.police").state == "met"
    assert due(v, "lcspr.chronology.police.revision1").state == "met"


async def test_approval_links_sent_again_on_the_team_s_request(wm_harness: Harness) -> None:
    """Approval has no reminder of its own and can outlast a link's expiry: the team sends a
    partner's link again (through the review's loop), and that link records the approval."""
    h = wm_harness
    lcspr = await start_lcspr(h)
    today = london_today()
    await send(lcspr, "appoint_reviewer", reviewer("Rowan First"))
    await send(lcspr, "record_terms", police_only_terms(today))
    police_lead = h.settings.profile.agencies["police"].safeguarding_lead.email
    (request,) = await h.mail.wait_for("lcspr_chronology_request", police_lead)
    await h.answer_with_fields(request, "submitted", SUBMISSION)
    await send(lcspr, "record_draft", NewInformation(details="draft v1"))
    await send(lcspr, "record_qa", QualityAssurance(outcome="approved"))
    roles = ("la_decision_maker", "police_decision_maker", "icb_decision_maker")
    for role in roles:
        await h.mail.wait_for("lcspr_approval_request", h.email(role))

    await send(lcspr, "resend_links", ResendLinks(role="police_decision_maker"))
    first, again = await h.mail.wait_for("lcspr_approval_request",
                                         h.email("police_decision_maker"), count=2)
    if "sent this request again" in first.text:
        first, again = again, first
    assert "sent this request again" in again.text
    assert claims_of(again.links[0]).nonce == claims_of(first.links[0]).nonce
    await h.answer(again, "approve", "approved")
    for role in ("la_decision_maker", "icb_decision_maker"):
        (approval,) = await h.mail.wait_for("lcspr_approval_request", h.email(role))
        await h.answer(approval, "approve", "approved")
    v = await phase(lcspr, "executive_approval")
    approvals = [d for d in v.decisions if d.kind == "partner_approval"]
    assert [d.choice for d in approvals] == ["approve"] * 3
    assert len(h.mail.find("lcspr_approval_request")) == 4  # one sent again, no more
