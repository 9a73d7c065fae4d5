"""Action plans (SPEC §9) on the time-skipping server: owners reminded, overdue actions
escalated to the LIG, progress summaries to the team, and the formal conclusion."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from domain.action_plan import (
    ActionPlanInput,
    ActionPlanResult,
    ActionUpdate,
    AgreePlan,
    NewAction,
    NewRecommendation,
)
from domain.case import LifecycleView, lifecycle_workflow_id
from tests.support import eventually, history_lengths
from tests.workflows.harness import Harness
from tests.workflows.learning_steps import (
    command,
    decide_learning_event,
    lifecycle,
    refused,
    run_event_to_approval,
    step,
)
from workflows.action_plan import ActionPlanWorkflow

PLAN = "action-plan"


def action(recommendation: int, n: int, target: date) -> NewAction:
    return NewAction(recommendation=recommendation, description=f"Action {n} of R{recommendation}",
                     owner_name=f"Owner {n}", owner_email=f"owner{n}@agency.example.org",
                     owner_agency="Police", target_date=target)


def done(n: int, evidence: str = "audit shows the policy in use") -> ActionUpdate:
    return ActionUpdate(action=n, progress="completed", rag="green", implemented=True,
                        evidence_of_impact=evidence)


def due(view: LifecycleView, key: str) -> Any:
    return next(d for d in view.deadlines if d.key == key)


async def test_overdue_action_escalated_and_the_event_concluded(harness: Harness) -> None:
    h = harness
    case_ref = await h.start(referred_for="case_for_discussion", abuse_or_neglect="not_suspected")
    await decide_learning_event(h, case_ref)
    await run_event_to_approval(h, case_ref)
    await step(h, case_ref, PLAN, "drafting the plan")

    async def record(name: str, arg: BaseModel) -> None:
        await command(h, case_ref, PLAN, name, arg)

    assert "every recommendation needs at least one action" in await refused(
        h, case_ref, PLAN, "agree_plan", AgreePlan(agreed_by="Executive"))  # nothing to agree
    today = await h.today()
    await record("add_recommendation", NewRecommendation(text="Embed the escalation policy"))
    await record("add_recommendation", NewRecommendation(text="Audit multi-agency referrals"))
    assert "there is no R3" in await refused(h, case_ref, PLAN, "add_action",
                                             action(3, 1, today + timedelta(days=30)))
    await record("add_action", action(1, 1, today + timedelta(days=30)))
    await record("add_action", action(2, 2, today + timedelta(days=60)))
    await record("add_action", action(1, 3, today + timedelta(days=90)))
    await record("agree_plan", AgreePlan(agreed_by="Executive, monthly meeting"))
    plan = await step(h, case_ref, PLAN, "monitoring")
    assert plan.action_plan is not None and len(plan.action_plan.actions) == 3

    plan = await eventually(lambda: lifecycle(h, case_ref, PLAN),
                            lambda v: len(v.deadlines) == 3, what="three action deadlines")
    await h.skip_past(due(plan, "action.1").remind_at)
    (reminder,) = await h.mail.wait_for("action_reminder", "owner1@agency.example.org",
                                        case_ref=case_ref)
    assert "Embed the escalation policy" in reminder.text and case_ref in reminder.subject
    await record("update_action", done(1))
    assert "already implemented" in await refused(h, case_ref, PLAN, "update_action",
                                                  done(1))  # twice: refused, nothing changes

    await h.skip_past(due(plan, "action.2").due_at)  # action 2 passes its target
    (overdue,) = await h.mail.wait_for("action_overdue", "owner2@agency.example.org",
                                       case_ref=case_ref)
    escalated = await h.mail.wait_for("step_overdue", count=2, case_ref=case_ref)
    assert {h.email("lig_chair"), h.email("team")} <= {m.to for m in escalated}
    await h.skip(days=28)  # the next progress summary shows it
    summaries = await h.mail.wait_for("action_plan_summary", h.email("team"), count=3,
                                      case_ref=case_ref)
    assert "Action 1 (Police)" in summaries[-1].text and "implemented" in summaries[-1].text
    assert "OVERDUE" in summaries[-1].text

    await record("update_action", ActionUpdate(action=2, progress="audit under way",
                                               rag="red"))
    await record("update_action", done(2, "audit complete, findings to LIG"))  # late
    await record("update_action", done(3))
    concluded = await h.mail.wait_for("action_plan_concluded", count=3, case_ref=case_ref)
    assert "formally concluded" in concluded[0].text
    result = await h.case(case_ref).result()
    assert result.closed_reason == ("local learning event formally concluded: all 3 actions "
                                    "implemented")
    view = await h.show(case_ref)
    states = {d["key"]: d["state"] for d in view["deadlines"] if d["key"].startswith("action.")}
    assert states == {"action.1": "met", "action.2": "missed", "action.3": "met"}
    assert view["stage"] == "closed"


async def test_years_long_plan_continues_as_new_and_keeps_its_state(
        harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    """Twelve actions over two years, with a small history budget: the plan runs across many
    runs, and nobody is reminded or chased twice."""
    h = harness
    case_ref, today = "IOW-2026-PLAN", await h.today()
    workflow_id = lifecycle_workflow_id(case_ref, PLAN)
    h.direct.append((PLAN, workflow_id))
    handle = await h.client.start_workflow(
        ActionPlanWorkflow.run,
        ActionPlanInput(case_ref=case_ref, parent_workflow_id=f"case-{case_ref}",
                        profile=h.settings.profile, review="lcspr", events_per_run=60),
        id=workflow_id, task_queue=h.settings.temporal_task_queue)
    await handle.signal("add_recommendation", NewRecommendation(text="Strengthen supervision"))
    # Each target is the day after the skip lands: a skip starting after close of business
    # would otherwise land after a target due that same day at 17:00.
    for n in range(1, 13):
        await handle.signal("add_action", action(1, n, today + timedelta(days=60 * n + 1)))
    await handle.signal("agree_plan", AgreePlan(agreed_by="Executive"))
    # No query between the steps: on the test server a query racing continue-as-new can go
    # unanswered. The signal is handled before time moves on (the server holds time
    # skipping while a workflow task is outstanding); the result proves each was in time.
    for n in range(1, 13):
        await h.skip(days=60)
        await handle.signal("update_action", done(n))
    result: ActionPlanResult = await handle.result()
    lengths = await history_lengths(h.client, workflow_id)
    with capsys.disabled():
        print(f"\naction plan history: {len(lengths)} run(s), events per run {lengths}")
    assert result.runs == len(lengths) > 1
    assert result.actions == 12 and result.implemented_late == 0
    reminders = h.mail.find("action_reminder", case_ref=case_ref)
    assert len(reminders) == 12  # one per action, none repeated by a new run
    assert not h.mail.find("action_overdue", case_ref=case_ref)
    assert len(h.mail.find("action_plan_summary", case_ref=case_ref)) >= 25  # every 28 days
