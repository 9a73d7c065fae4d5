"""One referral from intake to the National Panel, as its people would drive it: partners and
agencies by the links in their emails (GET, then POST), the team by the CLI. West Midlands
profile: the rapid review runs from aware_on, here nine working days ago, so today falls in
the meeting window (+7 to +13 WD)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from domain.calendar import add_working_days, london_today
from tests.e2e.conftest import Stack
from tests.support import PERSONAL, Mail, open_and_submit, referral_data

PANEL = "Mailbox.NationalReviewPanel@education.gov.uk"
NATIONAL = {PANEL, "SCR.SIN@ofsted.gov.uk", "Mailbox.CPOD@education.gov.uk"}
WM = "@wm.example.org"


async def follow(mail: Mail, form: dict[str, str]) -> httpx.Response:
    response = await open_and_submit(mail.links[0], form)
    assert response.status_code == 200, response.text
    return response


async def one(stack: Stack, template: str, to: str, case_ref: str) -> Mail:
    return (await stack.mail.wait_for(template, to, case_ref=case_ref, timeout=60))[-1]


async def test_referral_through_rapid_review_to_the_panel(wm_stack: Stack, tmp_path: Path) -> None:
    stack = wm_stack
    aware = add_working_days(london_today(), -9)
    data = referral_data(london_today(), aware_on=aware.isoformat(),
                         incident_on=aware.isoformat())
    case_ref = stack.submit(data, tmp_path)["case_ref"]

    await follow(await one(stack, "sin_initial_view_request", f"lig.chair{WM}", case_ref),
                 {"choice": "notify", "rationale": "serious harm, abuse suspected"})
    for rep in ("police.lig.rep@police.example.org", "icb.lig.rep@icb.example.org"):
        await follow(await one(stack, "sin_partner_response_request", rep, case_ref),
                     {"choice": "agree", "rationale": "agreed"})

    # Scoping: every involved agency answers through its own link.
    scoping = {"completer": "Named lead", "records_secured": "yes",
               "involvement_summary": "Contacts from birth.",
               "practice_analysis": "Information was not shared."}
    for lead in ("csc.safeguarding" + WM, "safeguarding@police.example.org",
                 "safeguarding@trust.example.org"):
        await follow(await one(stack, "rr_scoping_request", lead, case_ref),
                     {"choice": "returned", **scoping})
    await follow(await one(stack, "rr_scoping_request", "education.safeguarding" + WM,
                           case_ref), {"choice": "not_known"})

    # The team sets the meeting and records its outcome with the CLI.
    outside = stack.cli("rr", "meeting", case_ref, "--on",
                        add_working_days(aware, 20).isoformat(), check=False)
    assert outside.returncode == 2 and "outside that window" in outside.stderr
    stack.cli("rr", "meeting", case_ref, "--on", london_today().isoformat(), "--place", "Online")
    await one(stack, "rr_meeting_invitation", f"lig.chair{WM}", case_ref)
    outcome: dict[str, Any] = {
        "held_on": london_today().isoformat(),
        "participants": [{"name": "L. Rep", "agency": "childrens_social_care"},
                         {"name": "P. Constable", "agency": "police"},
                         {"name": "J. Nurse", "agency": "health"}],
        "absences": {"education": "did not know the family"},
        "immediate_safeguarding_needed": False,
        "criteria": ["multi_agency_working"],
        "recommendation": "b",
        "key_lines_of_enquiry": ["Why was Zephyrine Testcase's injury not shared?"],
        "reasons": "Information held by three agencies was never brought together.",
    }
    inquorate = {**outcome, "participants": outcome["participants"][:2]}
    (tmp_path / "inquorate.json").write_text(json.dumps(inquorate))
    refused = stack.cli("rr", "outcome", case_ref, str(tmp_path / "inquorate.json"),
                        check=False)
    assert refused.returncode == 2 and "not quorate" in refused.stderr
    (tmp_path / "outcome.json").write_text(json.dumps(outcome))
    stack.cli("rr", "outcome", case_ref, str(tmp_path / "outcome.json"))

    for maker in (f"dcs{WM}", "safeguarding.partner@police.example.org",
                  "chief.nurse@icb.example.org"):
        await follow(await one(stack, "rr_ratification_request", maker, case_ref),
                     {"choice": "ratify"})

    await one(stack, "rr_decision_notice", "Mailbox.CPOD@education.gov.uk", case_ref)
    national = [m for m in stack.mail.find(case_ref=case_ref) if m.to in NATIONAL]
    assert {m.to for m in national} == NATIONAL
    panel = next(m for m in national if m.to == PANEL)
    document = next(panel.msg.iter_attachments()).get_content()
    for text in [m.raw for m in national] + [document]:
        assert not any(p.lower() in text.lower() for p in PERSONAL)
        assert "Z.T." not in text
    assert "Rapid review" in document and case_ref in document

    stack.cli("rr", "panel-reply", case_ref, "--reply", "content")
    case = stack.show(case_ref)
    for _ in range(50):
        if case["stage"] == "lcspr":
            break
        case = stack.show(case_ref)
    assert case["stage"] == "lcspr"  # recommendation (b): the LCSPR has started
    assert any(d["key"] == "lcspr.publication" for d in case["deadlines"])
    states = {d["key"]: d["state"] for d in case["deadlines"] if d["key"].startswith("rr.")}
    assert states["rr.scoping_requests"] == "missed"  # sent on day 9: two-day duty was late
    assert states["rr.scoping_returns"] == "met"
    assert states["rr.meeting_window"] == "met"
    assert states["rr.submission"] == "met"
    assert states["rr.panel_response"] == "met"

    # The LCSPR's operator commands: a refused recording names its problem and changes nothing.
    reviewer = ["lcspr", "reviewer", case_ref, "--name", "Rowan Reviewer",
                "--email", "rowan@reviewers.example.org", "--kind", "external"]
    no_declaration = stack.cli(*reviewer, check=False)
    assert no_declaration.returncode == 2 and "conflict_of_interest" in no_declaration.stderr
    stack.cli(*reviewer, "--coi-declared", "--cv-received", "--reference-taken",
              "--insurance-confirmed")
    notice = await one(stack, "lcspr_reviewer_notice", PANEL, case_ref)
    assert "Rowan Reviewer" in notice.text
    assert not any(p.lower() in notice.raw.lower() for p in PERSONAL)
    early = stack.cli("lcspr", "executive", case_ref, "--approved-on",
                      london_today().isoformat(), check=False)
    assert early.returncode == 2 and "not awaiting Executive approval" in early.stderr
    too_close = stack.cli("lcspr", "plan-publication", case_ref, "--on",
                          add_working_days(london_today(), 3).isoformat(),
                          "--report-url", "https://example.org/r", check=False)
    # The case's own reason, not a copy of the 7-working-day rule in the command line.
    assert too_close.returncode == 2, too_close
    assert "the Executive must approve before publication is planned" in too_close.stderr
    lcspr = next(d for d in stack.show(case_ref)["decisions"] if d["kind"] == "reviewer_appointed")
    assert lcspr["choice"] == "Rowan Reviewer"
