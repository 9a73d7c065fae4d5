"""Each seed partnership's profile runs the SIN decision end to end on real processes, answered
only through the links in the captured emails; then the Temporal UI's view of the case is
checked through the client: the search attributes find it, and no search attribute, memo,
summary or workflow ID carries the child's or family's details."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowHistory

from domain.calendar import london_today
from domain.profile import load_profile
from starter.saved_queries import saved_queries
from tests.e2e.conftest import Stack, _running
from tests.e2e.test_sin_end_to_end import follow
from tests.support import PERSONAL, referral_data

PROFILES = ["isle-of-wight.toml", "hampshire.toml", "west-midlands.toml"]


@pytest.fixture(scope="module", params=PROFILES)
def profile_stack(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from _running(tmp_path_factory.mktemp("profile"), request.param)


async def answer(stack: Stack, template: str, to: str, case_ref: str, choice: str) -> None:
    (mail,) = await stack.mail.wait_for(template, to, case_ref=case_ref, timeout=60)
    response = await follow(mail, {"choice": choice, "rationale": f"{choice}: e2e"})
    assert response.status_code == 200, response.text


async def test_sin_decision_to_notify_under_each_profile(profile_stack: Stack,
                                                         tmp_path: Path) -> None:
    stack = profile_stack
    profile = load_profile(stack.local.extra_env["PARTNERSHIP_PROFILE"])
    email = {key: role.holder.email for key, role in profile.roles.items()}
    case_ref = stack.submit(referral_data(london_today()), tmp_path)["case_ref"]
    assert case_ref.startswith(profile.partnership.code + "-")

    if profile.partnership.sin_process == "hampshire":
        for agency in ("childrens_social_care", "police", "health", "education"):
            await answer(stack, "sin_agency_information_request",
                         profile.agencies[agency].safeguarding_lead.email, case_ref, "not_known")
        await answer(stack, "sin_lig_recommendation_request", email["lig_chair"], case_ref,
                     "notify")
        for partner in ("la", "police", "icb"):
            await answer(stack, "sin_partner_decision_request",
                         email[f"{partner}_decision_maker"], case_ref, "agree")
    else:
        await answer(stack, "sin_initial_view_request", email["lig_chair"], case_ref, "notify")
        for role in ("police", "icb"):
            await answer(stack, "sin_partner_response_request", email[role], case_ref, "agree")

    await stack.mail.wait_for("sin_reference_request", email["la_service_director"],
                              case_ref=case_ref, timeout=60)
    case = stack.show(case_ref)
    outcome = next(d for d in case["decisions"] if d["kind"] == "sin_outcome")
    assert outcome["choice"] == "notify"
    assert case["stage"] == ("rapid_review" if profile.partnership.rapid_review_anchor == "aware"
                             else "awaiting_rapid_review")

    client = await stack.client()
    await check_the_ui_view(client, case_ref, profile.partnership.code)


async def check_the_ui_view(client: Client, case_ref: str, code: str) -> None:
    by_ref = {wf.id async for wf in client.list_workflows(f"CaseRef = '{case_ref}'")}
    assert by_ref >= {f"case-{case_ref}", f"case-{case_ref}.sin-decision"}
    open_cases = {wf.id async for wf in client.list_workflows(
        f"PartnershipCode = '{code}' AND WorkflowType = 'CaseWorkflow' "
        f"AND ExecutionStatus = 'Running'")}
    assert f"case-{case_ref}" in open_cases
    with_deadline = {wf.id async for wf in client.list_workflows(
        f"CaseRef = '{case_ref}' AND NextDeadline IS NOT NULL")}
    assert with_deadline  # the SIN decision's notification duty is pending

    for name, query in saved_queries(london_today()):  # the README's saved UI views parse
        query = query.replace("IOW-2026-7K3F", case_ref)
        found = {wf.id async for wf in client.list_workflows(query)}
        if name.startswith("Everything about one case"):
            assert f"case-{case_ref}" in found

    seen: list[str] = []
    async for wf in client.list_workflows(f"CaseRef = '{case_ref}'"):
        handle = client.get_workflow_handle(wf.id)
        described = await handle.describe()
        seen += [wf.id, str(await described.static_summary() or ""),
                 str(await described.static_details() or ""), str(await described.memo()),
                 *(str(v) for v in described.typed_search_attributes)]
        history: WorkflowHistory = await handle.fetch_history()
        for event in history.events:  # every timer and activity summary the UI shows
            if event.HasField("user_metadata"):  # stored encrypted: read as the UI's codec does
                metadata = event.user_metadata
                seen += [str(text) for text in await client.data_converter.decode(
                    [p for p in (metadata.summary, metadata.details) if p.data])]
    text = "\n".join(seen)
    assert "waiting for" in text  # timer summaries were found and read
    for personal in PERSONAL:
        assert personal not in text, personal
