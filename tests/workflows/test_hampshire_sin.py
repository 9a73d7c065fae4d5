"""The Hampshire variant of the SIN decision (SPEC §4): agencies' summaries of involvement, the
LIG's recommendation to the Independent Chair, and the three partners' own decisions."""

from __future__ import annotations

from tests.workflows.harness import Harness

AGENCIES = ("childrens_social_care", "police", "health", "education")


async def test_partners_decide_on_the_lig_recommendation(hampshire_harness: Harness) -> None:
    h = hampshire_harness
    case_ref = await h.start()
    leads = {a: h.settings.profile.agencies[a].safeguarding_lead.email for a in AGENCIES}
    for agency in AGENCIES[:3]:  # education never replies
        (request,) = await h.mail.wait_for("sin_agency_information_request", leads[agency],
                                           case_ref=case_ref)
        await h.answer(request, "not_known", "no record of the family")
    assert not h.mail.find("sin_initial_view_request")  # not the Isle of Wight process

    view = await h.sin_view(case_ref)
    info = next(d for d in view.deadlines if d.key == "sin.agency_information")
    await h.skip_past(info.due_at)  # the LIG goes ahead without education's summary
    escalated = await h.mail.wait_for("step_overdue", h.email("lig_chair"), case_ref=case_ref)
    assert "summaries of involvement" in escalated[0].text
    (recommend,) = await h.mail.wait_for("sin_lig_recommendation_request",
                                         h.email("lig_chair"), case_ref=case_ref)
    assert "3 of 4 returned" in recommend.text
    await h.answer(recommend, "notify", "abuse suspected, several agencies involved")

    makers = {p: h.email(f"{p}_decision_maker") for p in ("la", "police", "icb")}
    for partner in ("la", "police"):
        (ask,) = await h.mail.wait_for("sin_partner_decision_request", makers[partner],
                                       case_ref=case_ref)
        assert "NOTIFY" in ask.text
        await h.answer(ask, "agree", "agreed")
    await h.step(case_ref, "partner responses")
    responses = next(d for d in (await h.sin_view(case_ref)).deadlines
                     if d.key == "sin.partner_responses")
    await h.skip_past(responses.due_at)  # no silent agreement here: the ICB is chased
    chased = await h.mail.wait_for("step_overdue", makers["icb"], case_ref=case_ref)
    assert h.email("partnership_chair") in {m.to for m in h.mail.find("step_overdue",
                                                                      case_ref=case_ref)}
    assert (await h.sin_view(case_ref)).step == "partner responses"  # still waiting
    (icb,) = await h.mail.wait_for("sin_partner_decision_request", makers["icb"],
                                   case_ref=case_ref)
    await h.answer(icb, "agree", "agreed, late")
    assert chased

    case = await h.stage(case_ref, "awaiting_rapid_review")
    states = {d["key"]: d["state"] for d in case["deadlines"] if d["key"].startswith("sin.")}
    assert states["sin.agency_information"] == "missed"
    assert states["sin.lig_recommendation"] == "met"
    assert states["sin.partner_responses"] == "missed"
    outcome = next(d for d in case["decisions"] if d["kind"] == "sin_outcome")
    assert outcome["choice"] == "notify" and outcome["by"] == "safeguarding partners (agreed)"
    by = {d["by"] for d in case["decisions"] if d["kind"] == "partner_response"}
    assert by == {"Director of Children's Services (Chris Director)",
                  "Police safeguarding partner lead (Dana Superintendent)",
                  "ICB Chief Nursing Officer (Eden Nurse)"}
    (told,) = await h.mail.wait_for("sin_outcome", h.email("partnership_chair"),
                                    case_ref=case_ref)
    assert "Independent Chair" in told.text or "Morgan Chair" in told.text
