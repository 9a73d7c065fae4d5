"""Partners answer as they would: in a real browser (Debian's Chromium). For one link of each
question kind: open the emailed link, choose, type, submit, land on the thank-you page, and
find the answer, every field of it, on `case show`. The team drives the rest with the CLI.

West Midlands profile, the LA aware nine working days ago: today is in the meeting window."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser

from domain.calendar import add_working_days, london_today
from domain.questions import CHOICES
from tests.e2e.browser import answer_in_browser, browser, read_in_browser
from tests.e2e.conftest import Stack
from tests.support import Mail, eventually, open_and_submit, referral_data
from web.notices import CHOICE_LABELS

__all__ = ["browser"]  # the module's browser fixture

WM = "@wm.example.org"
SCOPING = {"completer": "T. Lead, named nurse, 0121 000 0000", "records_secured": "yes",
           "involvement_summary": "Birth visit on 2 May.\nTwo clinic contacts in June.",
           "practice_analysis": "Timely contacts; concerns not shared with the GP.",
           "partnership_concerns": "The GP was not told of the bruising."}
SUBMISSION = {"completer": "C. Analyst, police review officer",
              "document_reference": "Egress message 4471-AB",
              "quality_assured_by": "DI Lane"}
# The kinds each test answers in the browser; between them, every kind there is.
NOTIFY_ROUTE = ("initial_view", "partner_response", "chair_decision", "sin_reference",
                "scoping_return", "ratification", "endorsement", "agency_submission", "approval")
LIG_ROUTE = ("lig_route", "dispute_decision")


class Partner:
    """The person behind one captured email, answering in the browser."""

    def __init__(self, stack: Stack, browser: Browser, case_ref: str):
        self.stack, self.browser, self.case_ref = stack, browser, case_ref
        self.kinds: list[str] = []

    async def mail(self, template: str, to: str) -> Mail:
        return (await self.stack.mail.wait_for(template, to, case_ref=self.case_ref,
                                               timeout=60))[-1]

    async def answer(self, template: str, to: str, choice: str,
                     fields: dict[str, str] | None = None, rationale: str = "") -> dict[str, Any]:
        mail = await self.mail(template, to)
        done = await answer_in_browser(self.browser, mail.links[0], CHOICE_LABELS[choice],
                                       fields, rationale)
        assert done.status == 200 and done.title == "Thank you", done.text
        assert done.referrer_policy == "same-origin"
        assert "has been recorded" in done.text and self.case_ref in done.text
        # On the case, as the team sees it: who answered, what, and every field typed.
        answers = self.stack.show(self.case_ref)["answers"]
        (shown,) = [a for a in answers if a["by"] and a["by"]["email"] == to
                    and a["choice"] == choice and a["kind"] not in self.kinds]
        typed = dict(fields or {})
        assert shown["reference"] == typed.pop("reference", None)
        assert {f["name"]: f["value"] for f in shown["fields"] if f["value"]} == typed
        assert shown["rationale"] == rationale
        self.kinds.append(shown["kind"])
        return shown


async def by_link(stack: Stack, template: str, to: str, case_ref: str,
                  form: dict[str, str]) -> None:
    """Answers the test does not need a browser for (the kind is covered elsewhere)."""
    mail = (await stack.mail.wait_for(template, to, case_ref=case_ref, timeout=60))[-1]
    response = await open_and_submit(mail.links[0], form)
    assert response.status_code == 200, response.text


def write(tmp: Path, name: str, data: dict[str, Any]) -> str:
    path = tmp / name
    path.write_text(json.dumps(data))
    return str(path)


async def read_the_papers(stack: Stack, browser: Browser, invitation: Mail) -> None:
    """The invitation's papers link shows the referral and each return, and changes nothing:
    a POST is not allowed, and an answer link is no way into the papers."""
    assert "You are invited as: Police LIG representative; representative of" in \
        invitation.text
    (link,) = invitation.links
    status, text = await read_in_browser(browser, link)
    assert status == 200 and "Rapid review meeting papers" in text
    assert "Zephyrine Testcase" in text  # behind the link only, never in the email
    assert "Two clinic contacts in June." in text and "The GP was not told" in text
    assert "did not know the child or family" in text  # education's written confirmation
    async with httpx.AsyncClient(timeout=30) as http:
        assert (await http.post(link)).status_code == 405
        answer_link = stack.mail.find("rr_scoping_request", case_ref=invitation.msg[
            "X-Case-Ref"])[0].links[0]
        wrong = await http.get(link.rsplit("/", 1)[0] + "/" + answer_link.rsplit("/", 1)[1])
        assert wrong.status_code == 400 and "not a link to meeting papers" in wrong.text


def test_the_two_routes_between_them_answer_every_kind_of_question() -> None:
    assert sorted(NOTIFY_ROUTE + LIG_ROUTE) == sorted(CHOICES)


async def test_a_case_to_the_lcspr_answered_in_the_browser(wm_stack: Stack, browser: Browser,
                                                          tmp_path: Path) -> None:
    stack = wm_stack
    aware = add_working_days(london_today(), -9)
    case_ref = stack.submit(referral_data(london_today(), aware_on=aware.isoformat(),
                                          incident_on=aware.isoformat()), tmp_path)["case_ref"]
    partner = Partner(stack, browser, case_ref)

    await partner.answer("sin_initial_view_request", f"lig.chair{WM}", "notify",
                         rationale="Serious harm; abuse suspected.")
    await partner.answer("sin_partner_response_request", "police.lig.rep@police.example.org",
                         "disagree", rationale="The injury has an innocent explanation.")
    await by_link(stack, "sin_partner_response_request", "icb.lig.rep@icb.example.org",
                  case_ref, {"choice": "agree", "rationale": "agreed"})
    await stack.mail.wait_for("sin_meeting_needed", case_ref=case_ref, timeout=60)
    stack.cli("sin", "meeting", case_ref, "--outcome", "unresolved",
              "--rationale", "Partners could not agree.")
    await partner.answer("sin_chair_decision_request", f"partnership.chair{WM}", "notify",
                         rationale="The threshold is met on what we know.")
    await partner.answer("sin_reference_request", f"service.director{WM}", "submitted",
                         {"reference": "SIN-2026-0917"}, rationale="Submitted this morning.")

    # The rapid review: one return in the browser with every field, one "not known".
    await partner.answer("rr_scoping_request", "safeguarding@trust.example.org", "returned",
                         SCOPING, rationale="Records sent by secure email too.")
    for lead in ("csc.safeguarding" + WM, "safeguarding@police.example.org"):
        await by_link(stack, "rr_scoping_request", lead, case_ref,
                      {"choice": "returned", **{k: SCOPING[k] for k in (
                          "completer", "records_secured", "involvement_summary",
                          "practice_analysis")}})
    await by_link(stack, "rr_scoping_request", "education.safeguarding" + WM, case_ref,
                  {"choice": "not_known"})
    today = london_today().isoformat()
    stack.cli("rr", "meeting", case_ref, "--on", today, "--place", "Online")
    await read_the_papers(stack, browser, await partner.mail(
        "rr_meeting_invitation", "police.lig.rep@police.example.org"))
    outcome = {"held_on": today,
               "participants": [{"name": "L. Rep", "agency": "childrens_social_care"},
                                {"name": "P. Constable", "agency": "police"},
                                {"name": "J. Nurse", "agency": "health"}],
               "absences": {"education": "did not know the family"},
               "immediate_safeguarding_needed": False, "criteria": ["multi_agency_working"],
               "recommendation": "b", "key_lines_of_enquiry": ["How was information shared?"],
               "reasons": "Information held by three agencies was never brought together."}
    stack.cli("rr", "outcome", case_ref, write(tmp_path, "outcome.json", outcome))
    await partner.answer("rr_ratification_request", f"dcs{WM}", "ratify",
                         rationale="Ratified for the local authority.")
    for maker in ("safeguarding.partner@police.example.org", "chief.nurse@icb.example.org"):
        await by_link(stack, "rr_ratification_request", maker, case_ref, {"choice": "ratify"})
    await partner.answer("rr_endorsement_request", f"scrutineer{WM}", "endorse",
                         rationale="A sound analysis.")
    await stack.mail.wait_for("rr_panel_submission", case_ref=case_ref, timeout=60)
    stack.cli("rr", "panel-reply", case_ref, "--reply", "content")

    # The LCSPR: an agency confirms its submission, then a partner approves the report.
    await stack.mail.wait_for("lcspr_commissioned", case_ref=case_ref, timeout=60)
    stack.cli("lcspr", "reviewer", case_ref, "--name", "Rowan Reviewer", "--email",
              "rowan@reviewers.example.org", "--kind", "internal", "--coi-declared")
    due = add_working_days(london_today(), 10).isoformat()
    terms = {"period_from": aware.isoformat(), "period_to": today,
             "key_lines_of_enquiry": ["How was information shared?"],
             "methodology": ["chronologies"], "agencies": ["police"],
             "family_plan": "Mother invited once the police agree the timing.",
             "key_dates": {"agency_submissions_due": due}}
    stack.cli("lcspr", "terms", case_ref, write(tmp_path, "terms.json", terms))
    await partner.answer("lcspr_chronology_request", "safeguarding@police.example.org",
                         "submitted", SUBMISSION, rationale="Sent by secure email.")
    stack.cli("lcspr", "draft", case_ref)
    stack.cli("lcspr", "qa", case_ref, "--outcome", "approved")
    await partner.answer("lcspr_approval_request", f"dcs{WM}", "approve",
                         rationale="Approved for the local authority.")
    assert sorted(partner.kinds) == sorted(NOTIFY_ROUTE)

    text = stack.cli("case", "show", case_ref).stdout
    assert "Answers received" in text
    assert "Two clinic contacts in June." in text and "Egress message 4471-AB" in text


async def test_a_case_on_the_lig_route_answered_in_the_browser(wm_stack: Stack, browser: Browser,
                                                              tmp_path: Path) -> None:
    stack = wm_stack
    case_ref = stack.submit(referral_data(london_today(), referred_for="case_for_discussion",
                                          abuse_or_neglect="not_suspected"),
                            tmp_path)["case_ref"]
    partner = Partner(stack, browser, case_ref)
    await partner.answer("lig_route_request", f"lig.chair{WM}", "leads_meeting",
                         rationale="A leads meeting can settle this quickly.")
    early = stack.cli("lig", "dispute", case_ref, "--raised-by", "police",
                      "--grounds", "Too early.", check=False)  # nothing decided yet
    assert early.returncode == 2, early
    assert f"{case_ref}: refused: the LIG decision is not open to dispute" in early.stderr
    stack.cli("lig", "decision", case_ref, "--outcome", "other_workstream",
              "--rationale", "A multi-agency audit will cover it.")
    stack.cli("lig", "dispute", case_ref, "--raised-by", "police",
              "--grounds", "Practice concerns need a learning event.")
    stack.cli("lig", "dispute-review", case_ref, "--outcome", "no_agreement",
              "--rationale", "The LA and police differ.")
    await partner.answer("lig_dispute_chair_request", f"partnership.chair{WM}",
                         "local_learning_event", rationale="The concerns warrant one.")
    assert sorted(partner.kinds) == sorted(LIG_ROUTE)

    # The learning event, then its action plan, refuse a recording out of turn with the
    # reason, and take the ones in turn.
    await eventually(lambda: stack.show(case_ref), lambda c: c["stage"] == "local_learning_event",
                     what="the learning event")
    early = stack.cli("lle", "report", case_ref, "--summary", "Too soon.", check=False)
    assert early.returncode == 2 and "not expected now (phase: terms)" in early.stderr, early
    due = add_working_days(london_today(), 10).isoformat()
    terms = stack.cli("lle", "terms", case_ref, "--co-lead", "police", "--co-lead", "icb",
                      "--methodology", "desktop_review", "--kloe", "Was escalation used?",
                      "--agency", "health", "--information-due", due)
    assert "lle_information_request" in terms.stdout  # the receipt names what was sent
    for step in (("family", "--not-sought", "--rationale", "The family asked not to."),
                 ("report", "--summary", "Escalation was not used."),
                 ("qa", "--outcome", "assured"), ("executive", "--approved"),
                 ("disseminated", "--method", "practitioner briefing")):
        stack.cli("lle", step[0], case_ref, *step[1:])
    await eventually(lambda: stack.show(case_ref), lambda c: c["stage"] == "action_plan",
                     what="the action plan")
    agree = stack.cli("action-plan", "agree", case_ref, "--agreed-by", "Executive", check=False)
    assert agree.returncode == 2, agree
    assert "every recommendation needs at least one action" in agree.stderr
