"""SIN decision (SPEC §4) on the time-skipping server, answered through emailed links."""

from __future__ import annotations

from tests.support import PERSONAL, eventually
from tests.workflows.conftest import Harness

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

    # A second answer on a used link changes nothing.
    await h.answer(police, "disagree", "changed my mind")
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
    assert len(sin.messages) == len(h.mail.find(case_ref=case_ref))
    # Subjects never carry personal details.
    for mail in h.mail.find(case_ref=case_ref):
        assert not any(p in mail.subject for p in PERSONAL), mail.subject
        assert mail.msg["X-Case-Ref"] == case_ref
