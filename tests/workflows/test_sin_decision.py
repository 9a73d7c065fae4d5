"""SIN decision (SPEC §4) on the time-skipping server, answered through emailed links."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.calendar import london_today
from domain.case import ResendLinks
from starter.commands import send
from tests.support import PERSONAL, claims_of, eventually
from tests.workflows.harness import Harness

PROFILE_EMAILS = {
    "lig_chair": "lig.chair@iow.example.org",
    "la_service_director": "service.director@iow.example.org",
    "la_deputy": "la.lig.rep@iow.example.org",
    "police": "police.lig.rep@police.example.org",
    "icb": "icb.lig.rep@icb.example.org",
    "partnership_chair": "partnership.chair@iow.example.org",
    "scrutineer": "scrutineer@iow.example.org",
    "team": "scp@iow.example.org",
}


def deadline(view: dict, key: str) -> dict:
    return next(d for d in view["deadlines"] if d["key"] == key)


async def give_initial_view(h: Harness, case_ref: str, choice: str) -> None:
    (request,) = await h.mail.wait_for("sin_initial_view_request", PROFILE_EMAILS["lig_chair"],
                                       case_ref=case_ref)
    await h.answer(request, choice, "initial rationale")


async def test_unanimous_notify(harness: Harness) -> None:
    h = harness
    case_ref = await h.start()
    await give_initial_view(h, case_ref, "notify")
    police = (await h.mail.wait_for("sin_partner_response_request", PROFILE_EMAILS["police"]))[0]
    icb = (await h.mail.wait_for("sin_partner_response_request", PROFILE_EMAILS["icb"]))[0]
    assert "NOTIFY" in police.text and "initial rationale" in police.text
    await h.answer(police, "agree", "police agree")
    await h.answer(icb, "agree", "icb agree")

    await h.stage(case_ref, "awaiting_rapid_review")
    view = await eventually(lambda: h.show(case_ref),
                            lambda v: deadline(v, "sin.local_report")["state"] != "pending")
    assert [d["choice"] for d in view["decisions"] if d["kind"] == "partner_response"] == [
        "agree", "agree"]
    assert not any(d["deemed"] for d in view["decisions"])
    for key in ("sin.referral_shared", "sin.initial_view", "sin.partner_responses",
                "sin.local_report"):
        assert deadline(view, key)["state"] == "met", key
    assert deadline(view, "sin.notification")["state"] == "pending"

    # A second answer on a used link is refused, and changes nothing.
    assert "it is answered" in await h.refused_answer(police, "disagree", "changed my mind")
    # The LA records the DfE submission reference through its link.
    (ref_request,) = await h.mail.wait_for("sin_reference_request",
                                           PROFILE_EMAILS["la_service_director"])
    await h.answer(ref_request, "submitted", reference="SIN-12345")
    outcome = await h.sin(case_ref).result()
    assert outcome.outcome == "notify"
    assert outcome.submission_reference == "SIN-12345"
    view = await h.show(case_ref)
    assert deadline(view, "sin.notification")["state"] == "met"
    assert [d["choice"] for d in view["decisions"] if d["kind"] == "partner_response"] == [
        "agree", "agree"]
    local = await h.mail.wait_for("sin_local_report", PROFILE_EMAILS["scrutineer"])
    assert local
    sin = await h.sin_view(case_ref)
    sin_mail = [m for m in h.mail.find(case_ref=case_ref) if m.template.startswith("sin_")]
    assert len(sin.messages) == len(sin_mail)
    # Subjects never carry personal details.
    for mail in h.mail.find(case_ref=case_ref):
        assert not any(p in mail.subject for p in PERSONAL), mail.subject
        assert mail.msg["X-Case-Ref"] == case_ref


async def test_do_not_notify_ends_at_lig_route(harness: Harness) -> None:
    h = harness
    case_ref = await h.start()
    await give_initial_view(h, case_ref, "do_not_notify")
    for role in ("police", "icb"):
        (request,) = await h.mail.wait_for("sin_partner_response_request", PROFILE_EMAILS[role])
        assert "DO NOT NOTIFY" in request.text
        await h.answer(request, "agree", f"{role} agrees")
    outcome = await h.sin(case_ref).result()
    assert outcome.outcome == "do_not_notify"
    view = await h.stage(case_ref, "lig_route")
    keys = {d["key"] for d in view["deadlines"]}
    assert "sin.notification" not in keys and "sin.local_report" not in keys
    assert not h.mail.find("sin_reference_request")
    outcome_mails = h.mail.find("sin_outcome", case_ref=case_ref)
    assert {m.to for m in outcome_mails} >= {PROFILE_EMAILS["police"], PROFILE_EMAILS["icb"]}
    assert all("LIG chair will decide the next route" in m.text for m in outcome_mails)


async def test_silent_partner_is_taken_to_agree_at_the_due_instant(harness: Harness) -> None:
    h = harness
    case_ref = await h.start()
    await give_initial_view(h, case_ref, "notify")
    (police,) = await h.mail.wait_for("sin_partner_response_request", PROFILE_EMAILS["police"])
    await h.answer(police, "agree", "police agree")
    await eventually(lambda: h.sin_view(case_ref),
                     lambda v: v.questions[1].status == "answered", what="police answer")
    before = await h.show(case_ref)
    assert deadline(before, "sin.partner_responses")["state"] == "pending"
    due_at = datetime.fromisoformat(deadline(before, "sin.partner_responses")["due_at"])

    await h.skip(days=4)  # past close of business on the due date; ICB never answers
    view = await h.stage(case_ref, "awaiting_rapid_review")
    icb = next(d for d in view["decisions"] if d["kind"] == "partner_response"
               and d["by"].startswith("rule"))
    assert icb["choice"] == "agree" and icb["deemed"] is True
    assert datetime.fromisoformat(icb["at"]) == due_at
    responses = deadline(view, "sin.partner_responses")
    assert responses["state"] == "met"
    assert datetime.fromisoformat(responses["completed_at"]) == due_at
    sin = await h.sin_view(case_ref)
    icb_question = next(q for q in sin.questions if q.id == "partner_response:icb")
    assert icb_question.answer is not None and icb_question.answer.deemed


async def test_disagreement_resolved_by_partnership_chair(harness: Harness) -> None:
    h = harness
    case_ref = await h.start()
    await give_initial_view(h, case_ref, "do_not_notify")
    (police,) = await h.mail.wait_for("sin_partner_response_request", PROFILE_EMAILS["police"])
    (icb,) = await h.mail.wait_for("sin_partner_response_request", PROFILE_EMAILS["icb"])
    await h.answer(police, "disagree", "pattern of injuries suggests abuse")
    await h.answer(icb, "agree", "icb agrees")

    meeting = await h.mail.wait_for("sin_meeting_needed", count=7, case_ref=case_ref)
    assert {m.to for m in meeting} >= {PROFILE_EMAILS["team"], PROFILE_EMAILS["scrutineer"],
                                       PROFILE_EMAILS["partnership_chair"]}
    assert "pattern of injuries suggests abuse" in meeting[0].text
    await h.step(case_ref, "resolution meeting")
    await h.record_meeting(case_ref, "unresolved", "police and LA still differ")

    (chair,) = await h.mail.wait_for("sin_chair_decision_request",
                                     PROFILE_EMAILS["partnership_chair"])
    (records,) = await h.mail.wait_for("sin_scrutineer_records", PROFILE_EMAILS["scrutineer"])
    assert "police and LA still differ" in records.text and not records.links
    await h.answer(chair, "notify", "the threshold is met on the police information")

    await h.stage(case_ref, "awaiting_rapid_review")
    sin = await h.sin_view(case_ref)
    kinds = [d.kind for d in sin.decisions]
    assert kinds == ["initial_view", "partner_response", "partner_response",
                     "resolution_meeting", "partnership_chair_decision"]
    chair_decision = sin.decisions[-1]
    assert chair_decision.choice == "notify"
    assert chair_decision.by == "Partnership Chair (Morgan Chair)"
    resolution = next(d for d in sin.deadlines if d.key == "sin.resolution")
    assert resolution.state == "met"


async def test_notification_missed_is_reminded_then_escalated(harness: Harness) -> None:
    h = harness
    case_ref = await h.start()
    await give_initial_view(h, case_ref, "notify")
    for role in ("police", "icb"):
        (request,) = await h.mail.wait_for("sin_partner_response_request", PROFILE_EMAILS[role])
        await h.answer(request, "agree")
    (request,) = await h.mail.wait_for("sin_reference_request",
                                       PROFILE_EMAILS["la_service_director"])
    assert not h.mail.find("sin_reference_reminder")

    await h.skip(days=10)  # past aware_on + 5 WD with no reference recorded
    (reminder,) = await h.mail.wait_for("sin_reference_reminder",
                                        PROFILE_EMAILS["la_service_director"])
    assert claims_of(reminder.links[0]).nonce == claims_of(request.links[0]).nonce, \
        "a reminder carries a link to the same question"
    escalations = await h.mail.wait_for("step_overdue", count=3, case_ref=case_ref)
    assert {m.to for m in escalations} == {PROFILE_EMAILS["team"], PROFILE_EMAILS["lig_chair"],
                                           PROFILE_EMAILS["la_service_director"]}
    assert all("Serious incident notification submitted" in m.subject for m in escalations)
    view = await h.show(case_ref)
    notification = deadline(view, "sin.notification")
    assert notification["state"] == "missed" and notification["completed_at"] is None

    await h.answer(request, "submitted", reference="SIN-LATE-1")  # late, but still recorded
    outcome = await h.sin(case_ref).result()
    assert outcome.submission_reference == "SIN-LATE-1"
    notification = deadline(await h.show(case_ref), "sin.notification")
    assert notification["state"] == "missed" and notification["completed_at"] is not None


async def test_looked_after_child_death_is_notified_anonymised(harness: Harness) -> None:
    h = harness
    case_ref = await h.start(incident="death", child_looked_after=True)
    notices = await h.mail.wait_for("lac_death_notification", count=2, case_ref=case_ref)
    assert {m.to for m in notices} == {"Mailbox.CPOD@education.gov.uk", "SCR.SIN@ofsted.gov.uk"}
    for notice in notices:
        assert "looked-after child" in notice.subject
        assert case_ref in notice.text
        assert not any(p in notice.raw for p in PERSONAL), "no personal data to national bodies"
        assert "Z.T." not in notice.raw
    # The emails arrive while the send activities run; the case records the deadline met only
    # when they have returned, a workflow task later.
    view = await eventually(lambda: h.show(case_ref), lambda v: any(
        d["key"] == "lac.notification" and d["state"] != "pending" for d in v["deadlines"]))
    assert deadline(view, "lac.notification")["state"] == "met"
    # The SIN decision runs as well (abuse suspected, in area).
    await h.mail.wait_for("sin_initial_view_request", PROFILE_EMAILS["lig_chair"])


async def test_absent_service_director_is_replaced_by_deputy(harness: Harness) -> None:
    h = harness
    case_ref = await h.start()
    (primary,) = await h.mail.wait_for("sin_initial_view_request",
                                       PROFILE_EMAILS["la_service_director"])
    await h.mark_absent(case_ref, "la_service_director")
    (deputy,) = await h.mail.wait_for("sin_initial_view_request", PROFILE_EMAILS["la_deputy"])
    assert "deputy for the Service Director" in deputy.text

    # The absent holder's link no longer works; the deputy's does.
    assert "superseded" in await h.refused_answer(primary, "do_not_notify", "too late")
    await h.answer(deputy, "notify", "deputy's view")
    await h.step(case_ref, "partner responses")
    sin = await h.sin_view(case_ref)
    assert sin.decisions[0].choice == "notify"
    assert sin.decisions[0].by == "Service Director, Children's Social Care (Lee Representative)"
    assert "la_service_director" in sin.absent_roles
    assert sin.questions[0].links[0].superseded or sin.questions[0].links[1].superseded


async def test_team_sends_links_again_signed_afresh(harness: Harness) -> None:
    """A link expires after LINK_MAX_AGE_DAYS and a question can stay open longer, or an email
    goes astray: the team sends the open question's links again, to one role or to all."""
    h = harness
    case_ref = await h.start()
    (first,) = await h.mail.wait_for("sin_initial_view_request", PROFILE_EMAILS["lig_chair"])
    for _ in range(2):  # each request is an email of its own, not taken for a repeat
        await send(h.sin(case_ref), "resend_links", ResendLinks(role="lig_chair"))
    sent = await h.mail.wait_for("sin_initial_view_request", PROFILE_EMAILS["lig_chair"], count=3)
    again = [mail for mail in sent if mail.raw != first.raw]
    assert len(again) == 2 and len({mail.raw for mail in again}) == 2
    for mail in again:
        assert "sent this request again" in mail.text and "fresh secure link" in mail.text
        fresh, original = claims_of(mail.links[0]), claims_of(first.links[0])
        assert (fresh.nonce, fresh.question_id) == (original.nonce, original.question_id)
        assert fresh.expires >= original.expires
    assert "sent this request again" not in first.text
    # Only the role asked for: the Service Director's link was not sent again.
    assert len(h.mail.find("sin_initial_view_request", PROFILE_EMAILS["la_service_director"])) == 1

    await h.answer(again[-1], "notify", "criteria met")  # the fresh link answers the question
    for role in ("police", "icb"):  # both asked before the team asks again
        await h.mail.wait_for("sin_partner_response_request", PROFILE_EMAILS[role])
    await send(h.sin(case_ref), "resend_links", ResendLinks())  # everyone still awaited
    for role in ("police", "icb"):
        requests = await h.mail.wait_for("sin_partner_response_request", PROFILE_EMAILS[role],
                                         count=2)
        assert sum("sent this request again" in mail.text for mail in requests) == 1
    assert len(h.mail.find("sin_initial_view_request", PROFILE_EMAILS["lig_chair"])) == 3


async def test_referral_registered_after_the_notification_was_due(harness: Harness) -> None:
    """Aware ten days ago: no 'due soon' reminder, straight to escalation."""
    h = harness
    case_ref = await h.start(aware_on=(london_today() - timedelta(days=10)).isoformat(),
                             incident_on=(london_today() - timedelta(days=10)).isoformat())
    await give_initial_view(h, case_ref, "notify")
    for role in ("police", "icb"):
        (request,) = await h.mail.wait_for("sin_partner_response_request", PROFILE_EMAILS[role])
        await h.answer(request, "agree")
    await h.mail.wait_for("step_overdue", PROFILE_EMAILS["team"], case_ref=case_ref)
    assert not h.mail.find("sin_reference_reminder")
    notification = deadline(await h.show(case_ref), "sin.notification")
    assert notification["state"] == "missed"


async def test_permanently_refused_mail_is_shown_and_the_case_goes_on(harness: Harness) -> None:
    h = harness
    h.mail.refuse.add(PROFILE_EMAILS["icb"])  # type: ignore[attr-defined]
    case_ref = await h.start()
    await give_initial_view(h, case_ref, "do_not_notify")
    (police,) = await h.mail.wait_for("sin_partner_response_request", PROFILE_EMAILS["police"])
    await h.answer(police, "agree")
    view = await eventually(lambda: h.show(case_ref), lambda v: v["failed_messages"],
                            what="the refused message on the case")
    (failed,) = view["failed_messages"]
    assert failed["to"] == PROFILE_EMAILS["icb"]
    assert failed["template"] == "sin_partner_response_request"
    assert "550" in failed["error"]
    # The team is told at once, so they can reach the ICB another way.
    (notice,) = await h.mail.wait_for("mail_failed", PROFILE_EMAILS["team"], case_ref=case_ref)
    assert PROFILE_EMAILS["icb"] in notice.text and "550" in notice.text
    await h.skip(days=4)  # the ICB never got its link: silence rule applies at the due time
    outcome = await h.sin(case_ref).result()
    assert outcome.outcome == "do_not_notify"
