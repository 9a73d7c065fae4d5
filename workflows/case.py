"""CaseWorkflow: the spine of one case, from referral intake until it is closed.

It sends the looked-after child / care leaver death notification when due (SPEC §4), starts the
SIN decision as a child workflow when the referral is for a rapid review or the criteria
appear met, and moves the case from one lifecycle (child workflow) to the next: rapid review,
LCSPR, or the LIG route and a local learning event, then the action plan, whose end closes
the case. A learning event that finds the SIN criteria met sends the case back to the SIN
decision.

Updates: commission_lcspr(CommissionLcspr), mark_absent(MarkAbsent), close(CloseCase), each
         -> Receipt and each also a signal for the cases already running
Signals: sin_decided(SinDecided) from the SIN child
Queries: view() -> CaseView
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import SearchAttributePair
from temporalio.workflow import ChildWorkflowHandle

with workflow.unsafe.imports_passed_through():
    from domain import search
    from domain.action_plan import REVIEWS, ActionPlanInput, ActionPlanResult
    from domain.case import (
        CaseInput,
        CaseResult,
        CaseStage,
        CaseView,
        CloseCase,
        CommissionLcspr,
        LifecycleRef,
        MarkAbsent,
        lifecycle_workflow_id,
    )
    from domain.commands import Receipt, refuse_if
    from domain.deadlines import DeadlineRequest
    from domain.lcspr import LcsprInput, LcsprResult
    from domain.lig_triage import LIG_DECISIONS, LigInput, LigResult
    from domain.local_learning_event import LleInput, LleResult
    from domain.rapid_review import RrInput, RrResult
    from domain.sin_decision import SinDecided, SinInput, SinOutcome
    from domain.state import CaseState

from workflows.lifecycle import Lifecycle

RAPID_REVIEW_PATCH = "rapid-review-after-notify"
LCSPR_PATCH = "lcspr-after-rapid-review"
LIG_PATCH = "lig-triage"
LLE_PATCH = "local-learning-event"
ACTION_PLAN_PATCH = "action-plan"


@workflow.defn
class CaseWorkflow:
    @workflow.init
    def __init__(self, input: CaseInput) -> None:
        self.input = input
        self.state = CaseState()
        self.life = Lifecycle("case", input.case_ref, input.profile, self.state)
        # The referral as the lifecycles see it: a learning event's new information moves
        # the dates the SIN decision and rapid review count from.
        self.referral = input.referral

    @workflow.run
    async def run(self, input: CaseInput) -> CaseResult:
        referral = input.referral
        if referral.lac_death_notifiable:
            await self.notify_lac_death()
        if referral.referred_for == "rapid_review" or referral.sin_criteria_met:
            await self.run_sin_decision()
        else:
            self.set_stage("lig_route")
            if workflow.patched(LIG_PATCH):
                await self.run_lig_triage("referred_for_discussion")
        while True:
            await workflow.wait_condition(lambda: self.state.closed_reason is not None
                                          or self.state.commission is not None)
            if self.state.closed_reason is not None:
                break
            commission, self.state.commission = self.state.commission, None
            assert commission is not None
            await self.run_lcspr(commission.decided_on, commission.key_lines_of_enquiry)
        self.set_stage("closed")
        return CaseResult(case_ref=input.case_ref, stage=self.state.stage,
                          closed_reason=self.state.closed_reason or "")

    async def notify_lac_death(self) -> None:
        """Secretary of State (DfE) and Ofsted within 5 WD of aware_on; anonymised."""
        referral, national = self.input.referral, self.input.profile.national
        (due,) = await self.life.plan(
            DeadlineRequest(key="lac.notification", base=referral.aware_on))
        context = {
            "status": "looked-after child" if referral.child.looked_after else "care leaver",
            "incident_on": referral.incident_on.isoformat(),
            "aware_on": referral.aware_on.isoformat(),
            "due": due.due_at.isoformat(),
        }
        for body, address in (("dfe", national.dfe), ("ofsted", national.ofsted)):
            await self.life.send_to_address("lac_death_notification", f"lac.notification.{body}",
                                            body, body.upper(), address, context)
        self.life.complete("lac.notification")
        self.life.record("lac_notification", "sent", "partnership team",
                         "notified to the Secretary of State (DfE) and Ofsted")

    async def run_sin_decision(self) -> None:
        self.state.sin_outcome = None
        handle: ChildWorkflowHandle[Any, SinOutcome] = await self.start_lifecycle(
            "sin-decision", "sin_decision", "SinDecisionWorkflow", SinOutcome,
            SinInput(case_ref=self.input.case_ref, parent_workflow_id=workflow.info().workflow_id,
                     referral=self.referral, profile=self.input.profile,
                     absent_roles=list(self.state.absent)),
            "serious incident notification decision")
        await workflow.wait_condition(lambda: self.state.sin_outcome is not None or handle.done())
        outcome = self.state.sin_outcome or await handle
        self.state.sin_outcome = outcome
        self.life.record("sin_outcome", outcome.outcome, outcome.decided_by, outcome.rationale)
        self.set_stage("awaiting_rapid_review" if outcome.outcome == "notify" else "lig_route")
        # Cases that reached this point before rapid reviews existed stay as they were.
        if outcome.outcome == "notify" and workflow.patched(RAPID_REVIEW_PATCH):
            await self.run_rapid_review(handle)
        elif outcome.outcome == "do_not_notify" and workflow.patched(LIG_PATCH):
            await self.run_lig_triage("do_not_notify")
        # The child keeps tracking the 5-WD notification duty; the case outlives it.
        await handle

    async def run_rapid_review(self, sin: ChildWorkflowHandle[Any, SinOutcome]) -> None:
        """Anchored on aware_on (starts now) or on the SIN submission (starts when recorded)."""
        profile, referral = self.input.profile, self.referral
        anchor_kind = profile.partnership.rapid_review_anchor
        if anchor_kind == "notification":
            await sin
        result: RrResult = await (await self.start_lifecycle(
            "rapid-review", "rapid_review", "RapidReviewWorkflow", RrResult,
            RrInput(case_ref=self.input.case_ref, parent_workflow_id=workflow.info().workflow_id,
                    referral=referral, profile=profile, anchor_kind=anchor_kind,
                    anchor=referral.aware_on if anchor_kind == "aware" else None,
                    anchor_instant=workflow.now() if anchor_kind == "notification" else None,
                    absent_roles=list(self.state.absent)),
            "rapid review (15 working days)"))
        self.life.record("rapid_review", result.recommendation or "not_held",
                         "safeguarding partners", f"Panel reply: {result.panel_reply or '-'}")
        if not result.held:
            self.set_stage("lig_route")
            if workflow.patched(LIG_PATCH):
                await self.run_lig_triage("rapid_review_not_held")
        elif result.panel_reply == "national_review" or result.recommendation == "a":
            self.set_stage("national_review")
        elif result.recommendation in ("b", "c"):
            self.set_stage("awaiting_lcspr")
            if workflow.patched(LCSPR_PATCH) and result.held_on:
                await self.run_lcspr(result.held_on, result.key_lines_of_enquiry)
        else:
            self.state.closed_reason = (f"rapid review recommendation ({result.recommendation}): "
                                        "no further local review")

    async def run_lig_triage(self, reason: str) -> None:
        """The LIG route; a local learning event waits for its lifecycle, anything else
        closes the case with the LIG's decision as the reason."""
        result: LigResult = await (await self.start_lifecycle(
            "lig-triage", "lig_route", "LigTriageWorkflow", LigResult,
            LigInput(case_ref=self.input.case_ref, parent_workflow_id=workflow.info().workflow_id,
                     referral=self.referral, profile=self.input.profile,
                     reason=reason,  # type: ignore[arg-type]
                     absent_roles=list(self.state.absent)),
            "LIG route (below the notification threshold)"))
        self.life.record("lig_decision", result.decision, result.decided_by)
        if result.decision == "local_learning_event":
            self.set_stage("awaiting_local_learning_event")
            if workflow.patched(LLE_PATCH):
                await self.run_local_learning_event(result.decided_at or result.final_at
                                                    or workflow.now())
        elif self.state.closed_reason is None:
            self.state.closed_reason = f"LIG decision: {LIG_DECISIONS[result.decision]}"

    async def run_lcspr(self, decided_on: date, key_lines_of_enquiry: list[str]) -> None:
        """Six months from the decision to publication; then the action plan (stage)."""
        result: LcsprResult = await (await self.start_lifecycle(
            "lcspr", "lcspr", "LcsprWorkflow", LcsprResult,
            LcsprInput(case_ref=self.input.case_ref,
                       parent_workflow_id=workflow.info().workflow_id,
                       referral=self.referral, profile=self.input.profile,
                       decided_on=decided_on, key_lines_of_enquiry=key_lines_of_enquiry,
                       absent_roles=list(self.state.absent)),
            "local child safeguarding practice review (6 months)"))
        self.life.record("lcspr", "published", "safeguarding partners",
                         f"published {result.published_on} at {result.url}")
        self.set_stage("action_plan")
        if workflow.patched(ACTION_PLAN_PATCH):
            await self.run_action_plan("lcspr")

    async def run_local_learning_event(self, decided_at: datetime) -> None:
        """Four months to an approved report, then its action plan; or, when new information
        suggests the SIN criteria are met, back to the SIN decision counted from that day."""
        result: LleResult = await (await self.start_lifecycle(
            "local-learning-event", "local_learning_event", "LocalLearningEventWorkflow", LleResult,
            LleInput(case_ref=self.input.case_ref, parent_workflow_id=workflow.info().workflow_id,
                     referral=self.referral, profile=self.input.profile, decided_at=decided_at,
                     absent_roles=list(self.state.absent)),
            "local learning event (4 months)"))
        if result.outcome == "approved":
            self.life.record("local_learning_event", "approved", "Executive")
            self.set_stage("action_plan")
            await self.run_action_plan("lle")
            return
        info = result.sin_information
        assert info is not None
        self.life.record("local_learning_event", "sin_criteria_met", "partnership team",
                         info.details)
        self.referral = self.referral.model_copy(
            update={"aware_on": info.learned_on,
                    "received_on": max(info.learned_on, self.referral.received_on)})
        await self.run_sin_decision()

    async def run_action_plan(self, review: str) -> None:
        """Monitor the actions until every one is implemented: the formal conclusion."""
        result: ActionPlanResult = await (await self.start_lifecycle(
            "action-plan", "action_plan", "ActionPlanWorkflow", ActionPlanResult,
            ActionPlanInput(case_ref=self.input.case_ref,
                            parent_workflow_id=workflow.info().workflow_id,
                            profile=self.input.profile, review=review,  # type: ignore[arg-type]
                            absent_roles=list(self.state.absent)),
            "action plan"))
        if self.state.closed_reason is None:
            self.state.closed_reason = (f"{REVIEWS[review]} formally concluded: all "
                                        f"{result.actions} actions implemented")

    async def start_lifecycle(self, name: str, stage: CaseStage, workflow_type: str,
                              result_type: type, arg: BaseModel,
                              summary: str) -> ChildWorkflowHandle[Any, Any]:
        """Start one lifecycle as a child, named after the case and shown as its stage; a
        lifecycle run again (a second SIN decision after a learning event) is numbered.

        Children are started by type name: importing their modules here would have the
        sandbox re-import every lifecycle module for each case run it starts or replays."""
        used = sum(1 for ref in self.state.lifecycles
                   if ref.name == name or ref.name.startswith(f"{name}-"))
        name = f"{name}-{used + 1}" if used else name
        child_id = lifecycle_workflow_id(self.input.case_ref, name)
        self.state.lifecycles.append(LifecycleRef(name=name, workflow_id=child_id))
        self.set_stage(stage)
        handle = await workflow.start_child_workflow(
            workflow_type, arg, id=child_id, result_type=result_type,
            static_summary=f"Case {self.input.case_ref}: {summary}",
            search_attributes=workflow.info().typed_search_attributes.updated(
                SearchAttributePair(search.CASE_STAGE, stage)),
        )
        self.state.active.append(name)
        handle.add_done_callback(lambda _: self.state.active.remove(name))
        return handle

    def set_stage(self, stage: CaseStage) -> None:
        self.state.stage = stage
        workflow.upsert_search_attributes([search.CASE_STAGE.value_set(stage)])

    @workflow.signal
    def sin_decided(self, signal: SinDecided) -> None:
        self.state.sin_outcome = signal.outcome

    @workflow.update
    def commission_lcspr(self, commission: CommissionLcspr) -> Receipt:
        self.state.commission = commission
        return self.receipt(f"LCSPR commissioned (decided on {commission.decided_on})")

    @commission_lcspr.validator
    def validate_commission_lcspr(self, commission: CommissionLcspr) -> None:
        refuse_if(self.commission_problem(commission))

    def commission_problem(self, commission: CommissionLcspr) -> str | None:
        if any(ref.name == "lcspr" for ref in self.state.lifecycles) or self.state.commission:
            return "this case already has an LCSPR"
        if self.state.active or self.state.closed_reason is not None:
            return (f"an LCSPR can be commissioned only when no lifecycle is running and the "
                    f"case is open (stage: {self.state.stage}; running: "
                    f"{', '.join(self.state.active) or 'none'})")
        if commission.decided_on > workflow.now().date():
            return f"decided_on: {commission.decided_on} is in the future"
        return None

    @workflow.update
    def mark_absent(self, absence: MarkAbsent) -> Receipt:
        """Kept for the lifecycles the case starts from now on (`case absent` tells the
        running ones itself), so an absence is recorded once for the whole case."""
        self.note_absence(absence)
        return self.receipt(f"{absence.role} {'absent' if absence.absent else 'back'}")

    def note_absence(self, absence: MarkAbsent) -> None:
        others = [role for role in self.state.absent if role != absence.role]
        self.state.absent = [*others, absence.role] if absence.absent else others

    @mark_absent.validator
    def validate_mark_absent(self, absence: MarkAbsent) -> None:
        roles = self.input.profile.roles
        refuse_if(None if absence.role in roles else
                  f"unknown role '{absence.role}'; roles are: {', '.join(roles)}")
        refuse_if("the case is closed" if self.state.stage == "closed" else None)

    @workflow.update
    def close(self, closing: CloseCase) -> Receipt:
        self.note_close(closing)
        return self.receipt("closed")

    def note_close(self, closing: CloseCase) -> None:
        if self.state.closed_reason is None:
            self.state.closed_reason = closing.reason

    @close.validator
    def validate_close(self, closing: CloseCase) -> None:
        refuse_if(self.close_problem())

    def close_problem(self) -> str | None:
        if self.state.active:
            return f"the case cannot close while {', '.join(self.state.active)} is running"
        return None

    def receipt(self, recorded: str) -> Receipt:
        return Receipt(lifecycle="case", recorded=recorded)

    # Kept for running cases: the signals these commands were before they answered back.
    @workflow.signal(name="commission_lcspr")
    def commission_lcspr_signal(self, signal: CommissionLcspr) -> None:
        problem = self.commission_problem(signal)
        if problem:
            return self.state.refused.append(problem)
        self.state.commission = signal

    @workflow.signal(name="mark_absent")
    def mark_absent_signal(self, signal: MarkAbsent) -> None:
        self.note_absence(signal)

    @workflow.signal(name="close")
    def close_signal(self, signal: CloseCase) -> None:
        problem = self.close_problem()
        if problem:
            return self.state.refused.append(problem)
        self.note_close(signal)

    @workflow.query
    def view(self) -> CaseView:
        referral = self.input.referral
        return CaseView(
            case_ref=self.input.case_ref,
            partnership=self.input.profile.partnership.code,
            stage=self.state.stage,
            status="closed" if self.state.stage == "closed" else "open",
            child_initials=referral.child.initials,
            received_on=referral.received_on,
            aware_on=referral.aware_on,
            referred_for=referral.referred_for,
            lifecycles=self.state.lifecycles,
            deadlines=list(self.state.deadlines.values()),
            decisions=self.state.decisions,
            messages=self.state.messages,
            failed_messages=self.state.failed_messages,
            active=self.state.active,
            absent_roles=self.state.absent,
        )

