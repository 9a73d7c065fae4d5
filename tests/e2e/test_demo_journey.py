"""`./run-local --demo`: the journey a newcomer takes, from the example referral to the Panel
submission and the start of the LCSPR, on a demonstration profile whose clocks run fast.

The README's demo profile has a three-minute working day; here it extends that profile with a
two-second one, so the statutory timers fire while the test runs: silence is taken as
agreement, late scoping returns are escalated, and the meeting is recorded once its whole
window has passed (so its date is never tomorrow's, whatever the hour)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from domain.profile import load_profile
from starter.devstack import DEMO_PROFILE, ROOT, LocalStack, Ports
from tests.e2e.conftest import Stack
from tests.support import OPERATOR_TOKEN, PAYLOAD_KEYS, SIGNING_KEY, eventually, open_and_submit

SECONDS = 2  # a working day
PANEL = "Mailbox.NationalReviewPanel@education.gov.uk"


@pytest.fixture(scope="module")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("demo")
    profile = tmp / "fast-demo.toml"
    profile.write_text(f'extends = "{DEMO_PROFILE}"\n\n[demo_clock]\n'
                       f"working_day_seconds = {SECONDS}\n")
    local = LocalStack(tmp, Ports.free(), profile=profile, extra_env={
        "LINK_SIGNING_KEY": SIGNING_KEY, "INTAKE_API_TOKEN": "demo-intake-token",
        "PAYLOAD_KEYS": PAYLOAD_KEYS, "OPERATOR_TOKEN": OPERATOR_TOKEN,
        "TEMPORAL_TASK_QUEUE": "demo"})
    try:
        local.start()
        yield Stack(local)
    finally:
        local.stop()


def deadline(case: dict, key: str) -> dict:  # type: ignore[type-arg]
    return next(d for d in case["deadlines"] if d["key"] == key)


async def answer(stack: Stack, template: str, to: str, case_ref: str,
                 form: dict[str, str]) -> None:
    mail = (await stack.mail.wait_for(template, to, case_ref=case_ref, timeout=60))[-1]
    response = await open_and_submit(mail.links[0], form)
    assert response.status_code == 200, response.text


async def test_example_referral_to_the_panel_and_the_lcspr(demo_stack: Stack,
                                                          tmp_path: Path) -> None:
    stack = demo_stack
    assert load_profile(DEMO_PROFILE).demo_clock is not None
    # The example referral as the README has it, its dates months old.
    example = json.loads((ROOT / "examples" / "referral.json").read_text())
    case_ref = stack.submit(example, tmp_path)["case_ref"]
    assert case_ref.startswith("DEMO-")

    await answer(stack, "sin_initial_view_request", "lig.chair@iow.example.org", case_ref,
                 {"choice": "notify", "rationale": "Serious harm; abuse suspected."})
    # Nobody answers the partners' requests: silence is agreement one working day later.
    await answer(stack, "sin_reference_request", "service.director@iow.example.org", case_ref,
                 {"choice": "submitted", "reference": "SIN-DEMO-1"})
    case = stack.show(case_ref)
    responses = [d for d in case["decisions"] if d["kind"] == "partner_response"]
    assert len(responses) == 2 and all(d["deemed"] for d in responses)
    # Counted from the moment it was set, not from the referral's old dates.
    notification = deadline(case, "sin.notification")
    assert notification["state"] == "met"
    assert datetime.fromisoformat(notification["due_at"]).year == datetime.now().year

    scoping = {"completer": "A. Lead", "records_secured": "yes",
               "involvement_summary": "Contacts from birth.", "practice_analysis": "Not shared."}
    for lead in ("csc.safeguarding@iow.example.org", "safeguarding@police.example.org",
                 "safeguarding@trust.example.org"):
        await answer(stack, "rr_scoping_request", lead, case_ref,
                     {"choice": "returned", **scoping})
    case = stack.show(case_ref)
    submission = deadline(case, "rr.submission")
    anchor = datetime.fromisoformat(deadline(case, "rr.scoping_requests")["due_at"])
    assert (datetime.fromisoformat(submission["due_at"]) - anchor).total_seconds() == \
        13 * SECONDS  # anchor +15 WD against anchor +2 WD
    # Education never replies: its return is escalated in seconds, and the meeting goes on.
    await stack.mail.wait_for("rr_scoping_overdue", case_ref=case_ref, count=2, timeout=60)
    window = deadline(case, "rr.meeting_window")
    await asyncio.sleep(max(0.0, (datetime.fromisoformat(window["due_at"])
                                  - datetime.now(anchor.tzinfo)).total_seconds()) + 1)
    stack.cli("rr", "meeting", case_ref, "--on", window["opens"], "--place", "Online")
    outcome = ROOT / "examples" / "rapid-review-outcome.json"
    stack.cli("rr", "outcome", case_ref, str(outcome), "--held-on", window["opens"])
    for maker in ("dcs@iow.example.org", "safeguarding.partner@police.example.org",
                  "chief.nurse@icb.example.org"):
        await answer(stack, "rr_ratification_request", maker, case_ref, {"choice": "ratify"})
    (submitted,) = await stack.mail.wait_for("rr_panel_submission", PANEL, case_ref=case_ref,
                                             timeout=60)
    assert case_ref in submitted.subject and "Zephyrine" not in submitted.raw

    stack.cli("rr", "panel-reply", case_ref, "--reply", "content")
    case = await eventually(lambda: stack.show(case_ref), lambda c: c["stage"] == "lcspr",
                            timeout=60, what="the LCSPR to start")
    publication = deadline(case, "lcspr.publication")
    assert publication["state"] == "pending"  # six months of 21 working days, in minutes
    assert (datetime.fromisoformat(publication["due_at"])
            - datetime.now(anchor.tzinfo)).total_seconds() < 126 * SECONDS + 60
