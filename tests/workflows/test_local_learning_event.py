"""Local learning events (SPEC §6) on the time-skipping server, answered through the links in
the captured emails."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from domain.calendar import add_months
from domain.local_learning_event import (
    Dissemination,
    FamilyContribution,
    LleExecutive,
    LleQualityAssurance,
    LleWorkshop,
    ReportReady,
    SinInformation,
)
from tests.workflows.harness import Harness
from tests.workflows.learning_steps import (
    AGENCIES,
    SUBMISSION,
    decide_learning_event,
    lifecycle,
    lle,
    refused,
    step,
    terms,
)

LLE = "local-learning-event"


def states(view: dict, prefix: str) -> dict[str, str]:
    return {d["key"]: d["state"] for d in view["deadlines"] if d["key"].startswith(prefix)}


async def test_learning_event_from_terms_to_approval_inside_four_months(
        harness: Harness) -> None:
    h = harness
    case_ref = await h.start(referred_for="case_for_discussion", abuse_or_neglect="not_suspected")
    await decide_learning_event(h, case_ref)
    commissioned = await h.mail.wait_for("lle_commissioned", count=4, case_ref=case_ref)
    assert {m.to for m in commissioned} == {h.email(r) for r in
                                            ("lig_chair", "la_service_director", "police", "icb")}
    report_due = next(d for d in (await lifecycle(h, case_ref, LLE)).deadlines
                      if d.key == "lle.report")
    assert report_due.due == add_months(report_due.base, 4)

    with pytest.raises(ValidationError, match="co-leads must be different"):
        terms(date(2027, 1, 4), co_leads=["police", "police"])
    today = await h.today()
    assert "agencies: unknown nobody" in await refused(h, case_ref, LLE, "record_terms",
                                                       terms(today, agencies=["nobody"]))
    await lle(h, case_ref, "record_terms", terms(today, methodology="both"))
    leads = await h.mail.wait_for("lle_terms_agreed", count=2, case_ref=case_ref)
    assert {m.to for m in leads} == {h.email("police"), h.email("icb")}
    assert "How was the escalation policy used?" in leads[0].text
    requests = {}
    for agency in AGENCIES:
        lead = h.settings.profile.agencies[agency].safeguarding_lead.email
        (requests[agency],) = await h.mail.wait_for("lle_information_request", lead,
                                                    case_ref=case_ref)
    await h.answer_with_fields(requests["childrens_social_care"], "submitted", SUBMISSION)

    await lle(h, case_ref, "schedule_workshop",
              LleWorkshop(on=today + timedelta(days=30), place="Newport"))
    invitations = await h.mail.wait_for("lle_workshop_invitation", count=4, case_ref=case_ref)
    assert h.email("icb") in {m.to for m in invitations}
    # The referral says a criminal investigation is under way: the police come first.
    assert "consult the police" in await refused(
        h, case_ref, LLE, "record_family",
        FamilyContribution(sought=True, rationale="mother wishes to contribute"))
    await lle(h, case_ref, "record_family",
              FamilyContribution(sought=True, rationale="mother wishes to contribute",
                                 police_consulted=True))

    health_due = next(d for d in (await lifecycle(h, case_ref, LLE)).deadlines
                      if d.key == "lle.information.health")
    assert health_due.remind_at is not None
    await h.skip_past(health_due.remind_at)  # the working day before: a reminder
    health = h.settings.profile.agencies["health"].safeguarding_lead.email
    (reminder,) = await h.mail.wait_for("lle_information_reminder", health, case_ref=case_ref)
    await h.skip_past(health_due.due_at)  # then overdue: the LIG chair and the team are told
    overdue = [m for m in await h.mail.wait_for("step_overdue", count=3, case_ref=case_ref)
               if "Information for the learning event" in m.subject]
    assert {m.to for m in overdue} >= {h.email("lig_chair"), h.email("team"), health}
    await h.answer_with_fields(reminder, "submitted", SUBMISSION)  # late, still recorded

    assert "phase: information" in await refused(h, case_ref, LLE, "record_executive",
                                                 LleExecutive(approved=True))  # not yet
    await h.skip(days=60)
    await lle(h, case_ref, "record_report", ReportReady(summary="Escalation was not used."))
    await h.mail.wait_for("lle_qa_request", h.email("lig_chair"), case_ref=case_ref)
    await lle(h, case_ref, "record_qa", LleQualityAssurance(outcome="changes_required",
                                                            comments="Make R2 SMART."))
    returned = await h.mail.wait_for("lle_report_returned", count=2, case_ref=case_ref)
    assert "Make R2 SMART." in returned[0].text
    await step(h, case_ref, LLE, "information")
    await lle(h, case_ref, "record_report", ReportReady(summary="Revised."))
    await step(h, case_ref, LLE, "quality_assurance")
    await lle(h, case_ref, "record_qa", LleQualityAssurance(outcome="assured"))
    await h.mail.wait_for("lle_executive_request", h.email("partnership_chair"),
                          case_ref=case_ref)
    await lle(h, case_ref, "record_executive", LleExecutive(approved=True))
    await step(h, case_ref, LLE, "dissemination")
    await lle(h, case_ref, "record_dissemination",
              Dissemination(methods=["practitioner briefing", "newsletter"]))
    shared = await h.mail.wait_for("lle_learning_shared", count=5, case_ref=case_ref)
    assert "practitioner briefing, newsletter" in shared[0].text

    view = await h.stage(case_ref, "action_plan")
    assert await h.today() < report_due.due  # approved inside the four months
    assert states(view, "lle.") == {"lle.report": "met",
                                    "lle.information.childrens_social_care": "met",
                                    "lle.information.health": "missed"}
    late = next(d for d in view["deadlines"] if d["key"] == "lle.information.health")
    assert late["completed_at"] is not None  # received late, and shown as such
    kinds = [d["kind"] for d in view["decisions"]]
    assert kinds.index("lle_terms_of_reference") < kinds.index("lle_executive_approval")
    assert [lc["name"] for lc in view["lifecycles"]] == ["lig-triage", LLE, "action-plan"]


async def test_new_information_sends_the_case_back_to_the_sin_decision(
        harness: Harness) -> None:
    h = harness
    case_ref = await h.start()
    (initial,) = await h.mail.wait_for("sin_initial_view_request", h.email("lig_chair"))
    await h.answer(initial, "do_not_notify", "threshold not met")
    for role in ("police", "icb"):
        (request,) = await h.mail.wait_for("sin_partner_response_request", h.email(role))
        await h.answer(request, "agree", "agreed")
    await decide_learning_event(h, case_ref)
    await lle(h, case_ref, "record_terms", terms(await h.today()))
    await h.mail.wait_for("lle_information_request", count=2, case_ref=case_ref)
    await h.skip(days=7)
    learned = await h.today()
    await lle(h, case_ref, "sin_information",
              SinInformation(details="A second injury was found on review of records.",
                             learned_on=learned))
    told = await h.mail.wait_for("lle_sin_information", count=5, case_ref=case_ref)
    assert h.email("team") in {m.to for m in told}
    assert "second injury" in told[0].text

    # A second SIN decision, counted from the day the new information was learned.
    requests = await h.mail.wait_for("sin_initial_view_request", h.email("lig_chair"), count=2,
                                     case_ref=case_ref)
    await h.answer(requests[-1], "notify", "criteria met after all")
    for role in ("police", "icb"):
        asked = await h.mail.wait_for("sin_partner_response_request", h.email(role), count=2,
                                      case_ref=case_ref)
        await h.answer(asked[-1], "agree", "agreed")
    view = await h.stage(case_ref, "awaiting_rapid_review")
    names = [lc["name"] for lc in view["lifecycles"]]
    assert names == ["sin-decision", "lig-triage", LLE, "sin-decision-2"]
    second = await lifecycle(h, case_ref, "sin-decision")
    assert second.name == "sin-decision-2"
    notification = next(d for d in second.deadlines if d.key == "sin.notification")
    assert notification.base == learned
    assert states(view, "lle.") == {"lle.report": "waived",
                                    "lle.information.childrens_social_care": "waived",
                                    "lle.information.health": "waived"}
    event = await lifecycle(h, case_ref, LLE)
    assert event.step == "sin_referred"
    assert all(q.status == "closed" for q in event.questions)
