"""LigTriageWorkflow: the LIG route for a case below the SIN threshold (SPEC §6).

The LIG chair chooses the route through a link (LIG discussion supported by scoping, a
safeguarding leads meeting, or no further action); agencies return scoping when directed; the
LIG's decision is recorded (local learning event, another workstream, single-agency learning,
no further action) and shared. For five working days a partner may dispute it: the partner
representatives and the chair review it collectively within 3 WD, and if they cannot agree the
Partnership Chair decides within a further 3 WD.

Updates: record_decision(LigDecision), raise_dispute(Dispute), record_dispute_review(DisputeReview),
         each -> Receipt, and every lifecycle's answer, mark_absent and resend_links
         (workflows/handlers.py); each also a signal for the cases already running
Queries: view() -> LifecycleView, question(QuestionLookup) -> QuestionView
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.commands import Receipt, refuse_if
    from domain.deadlines import DeadlineRequest
    from domain.forms import link_page_context
    from domain.lig_triage import (
        LIG_DECISIONS,
        Dispute,
        DisputeReview,
        LigDecision,
        LigInput,
        LigResult,
    )
    from domain.questions import Question
    from domain.state import LigState

from workflows.handlers import ProcedureSignals, Recording
from workflows.lifecycle import Lifecycle

REPRESENTATIVES = ["lig_chair", "la_service_director", "police", "icb"]


@workflow.defn
class LigTriageWorkflow(ProcedureSignals[LigState]):
    @workflow.init
    def __init__(self, input: LigInput) -> None:
        self.input = input
        self.state = LigState(absent=list(input.absent_roles))
        self.life = Lifecycle("lig-triage", input.case_ref, input.profile, self.state)
        referral = input.referral
        self.context = {
            "child_initials": referral.child.initials,
            "incident": referral.incident_text,
            "reason": {"do_not_notify": "the partners decided not to notify the Panel",
                       "referred_for_discussion": "it was referred for LIG discussion",
                       "rapid_review_not_held": "the partners decided not to hold a rapid "
                                                "review"}[input.reason],
        }

    @workflow.run
    async def run(self, input: LigInput) -> LigResult:
        life, state = self.life, self.state
        state.step = "route"
        await life.plan(DeadlineRequest(key="lig.route", base_instant=workflow.now()))
        route_q = await life.ask("route", "lig_route", ["lig_chair"], "lig.route",
                                 "lig_route_request", self.context)
        route = await self.answer_of(route_q, "the LIG chair's choice of route")
        life.complete("lig.route", at=route.at)
        life.record("lig_route", route.choice, life.answered_by(route_q), route.rationale,
                    at=route.at)
        if route.choice == "lig_discussion":
            await self.scoping()
        if route.choice == "no_further_action":
            state.decision = LigDecision(decision="no_further_action",
                                         rationale=route.rationale or "chosen by the LIG chair")
            state.decided_by = life.answered_by(route_q)
        else:
            state.step = "awaiting the LIG decision"
            await workflow.wait_condition(lambda: state.decision is not None)
        assert state.decision is not None
        life.record("lig_decision", state.decision.decision, state.decided_by,
                    state.decision.rationale)
        state.decided_at = workflow.now()
        await self.share_decision("lig.decision")

        state.step = "open to dispute"
        (window,) = await life.plan(DeadlineRequest(key="lig.dispute_window",
                                                    base_instant=workflow.now()))
        disputed = await life.wait(lambda: state.dispute is not None, window,
                                   "any dispute of the LIG decision")
        if not disputed:
            life.complete("lig.dispute_window", at=window.due_at)
        else:
            life.complete("lig.dispute_window")
            await self.resolve_dispute()
        state.step = "done"
        await workflow.wait_condition(workflow.all_handlers_finished)
        return LigResult(route=route.choice, decision=state.decision.decision,
                         decided_by=state.decided_by, decided_at=state.decided_at,
                         final_at=workflow.now())

    async def scoping(self) -> None:
        life = self.life
        self.state.step = "scoping"
        agencies = [a for a in self.input.referral.agencies_involved
                    if a in self.input.profile.agencies]
        (due,) = await life.plan(DeadlineRequest(key="lig.scoping_returns",
                                                 base_instant=workflow.now()))
        asked = [await life.ask(f"scoping:{a}", "scoping_return", [f"agency:{a}"],
                                "lig.scoping_returns", "lig_scoping_request",
                                {**self.context, "agency": self.input.profile.agencies[a].name})
                 for a in agencies]
        if await life.wait(lambda: all(q.status != "open" for q in asked), due,
                           "LIG scoping returns"):
            life.complete("lig.scoping_returns")
        else:
            await life.escalate("lig.scoping_returns", "scoping returns from every agency",
                                ["lig_chair"], self.context)
        for question in asked:
            if question.answer:
                life.record("scoping_return", question.answer.choice,
                            life.answered_by(question), at=question.answer.at)

    async def resolve_dispute(self) -> None:
        life, state = self.life, self.state
        dispute = state.dispute
        assert dispute is not None
        state.step = "dispute: collective review"
        (review_due,) = await life.plan(DeadlineRequest(key="lig.dispute_review",
                                                        base_instant=workflow.now()))
        context = {**self.context, "decision": LIG_DECISIONS[state.decision.decision]
                   if state.decision else "", "grounds": dispute.grounds,
                   "raised_by": dispute.raised_by.upper() if dispute.raised_by != "police"
                   else "Police", "due": review_due.due_at.isoformat()}
        await life.send_to_roles("lig_dispute_raised", "lig.dispute", REPRESENTATIVES, context)
        if not await life.wait(lambda: state.review is not None, review_due,
                               "the collective review of the dispute"):
            await life.escalate("lig.dispute_review", "the collective review of the dispute",
                                ["lig_chair"], self.context)
            await workflow.wait_condition(lambda: state.review is not None)
        review = state.review
        assert review is not None
        life.complete("lig.dispute_review")
        life.record("dispute_review", review.outcome, "LIG partner representatives",
                    review.rationale)
        if review.outcome == "agreed" and review.decision:
            state.decision = LigDecision(decision=review.decision, rationale=review.rationale)
            state.decided_by = "LIG partner representatives (collective review)"
        else:
            state.step = "dispute: Partnership Chair"
            await life.plan(DeadlineRequest(key="lig.dispute_escalation",
                                            base_instant=workflow.now()))
            chair_q = await life.ask("dispute_decision", "dispute_decision",
                                     ["partnership_chair"], "lig.dispute_escalation",
                                     "lig_dispute_chair_request",
                                     {**context, "review_rationale": review.rationale})
            answer = await self.answer_of(chair_q, "the Partnership Chair's decision")
            life.complete("lig.dispute_escalation", at=answer.at)
            state.decision = LigDecision(decision=answer.choice,  # type: ignore[arg-type]
                                         rationale=answer.rationale)
            state.decided_by = life.answered_by(chair_q)
            life.record("partnership_chair_decision", answer.choice, state.decided_by,
                        answer.rationale, at=answer.at)
        state.decided_at = workflow.now()
        await self.share_decision("lig.final_decision")

    async def share_decision(self, step: str) -> None:
        assert self.state.decision is not None
        context = {**self.context,
                   "decision": LIG_DECISIONS[self.state.decision.decision],
                   "rationale": self.state.decision.rationale, "by": self.state.decided_by}
        await self.life.send_to_roles("lig_decision_notice", step, REPRESENTATIVES, context)
        referrer = self.input.referral.referrer
        await self.life.send_to_address("lig_decision_notice", f"{step}.referrer", "referrer",
                                        referrer.name, referrer.email, context)

    async def answer_of(self, question: Question, waiting_for: str):  # noqa: ANN201
        return await self.life.answer_of(question, waiting_for, self.context)

    # --- messages -------------------------------------------------------------------------------
    def page_context(self) -> dict[str, str]:
        return {**self.context, **link_page_context(self.input.referral)}

    # --- recordings: what stops each, and what each does -----------------------------------
    def step_problem(self, step: str, what: str) -> str | None:
        return None if self.state.step == step else f"{what} (step: {self.state.step})"

    def record_decision_problem(self, decision: LigDecision) -> str | None:
        return self.step_problem("awaiting the LIG decision", "not awaiting the LIG decision")

    def apply_record_decision(self, decision: LigDecision) -> str:
        self.state.decision = decision
        self.state.decided_by = "LIG"
        return f"the LIG's decision: {decision.decision}"

    def raise_dispute_problem(self, dispute: Dispute) -> str | None:
        if self.state.dispute is not None:
            return f"the LIG decision is not open to dispute (step: {self.state.step})"
        return self.step_problem("open to dispute", "the LIG decision is not open to dispute")

    def apply_raise_dispute(self, dispute: Dispute) -> str:
        self.state.dispute = dispute
        self.life.record("dispute_raised", dispute.raised_by, dispute.raised_by,
                         dispute.grounds)
        return f"a dispute raised by {dispute.raised_by}"

    def record_dispute_review_problem(self, review: DisputeReview) -> str | None:
        if self.state.review is not None:
            return f"no dispute is under collective review (step: {self.state.step})"
        return self.step_problem("dispute: collective review",
                                 "no dispute is under collective review")

    def apply_record_dispute_review(self, review: DisputeReview) -> str:
        self.state.review = review
        return f"the collective review: {review.outcome}"

    def recordings(self) -> dict[str, Recording]:
        return {
            "record_decision": Recording(LigDecision, self.record_decision_problem,
                                         self.apply_record_decision),
            "raise_dispute": Recording(Dispute, self.raise_dispute_problem,
                                       self.apply_raise_dispute),
            "record_dispute_review": Recording(DisputeReview, self.record_dispute_review_problem,
                                               self.apply_record_dispute_review),
        }

    @workflow.update
    def record_decision(self, decision: LigDecision) -> Receipt:
        return self.receipt(self.apply_record_decision(decision))

    @record_decision.validator
    def validate_record_decision(self, decision: LigDecision) -> None:
        refuse_if(self.record_decision_problem(decision))
        # Also while the workflow is still acting on one just recorded (signals never checked).
        refuse_if(f"the LIG decision is already recorded ({self.state.decision.decision})"
                  if self.state.decision is not None else None)

    @workflow.update
    def raise_dispute(self, dispute: Dispute) -> Receipt:
        return self.receipt(self.apply_raise_dispute(dispute))

    @raise_dispute.validator
    def validate_raise_dispute(self, dispute: Dispute) -> None:
        # Open to dispute from the moment the decision is recorded, also while the workflow is
        # still sending it out (signals never allowed for that moment).
        sharing = (self.state.decision is not None and self.state.dispute is None
                   and self.state.step in ("route", "awaiting the LIG decision"))
        refuse_if(None if sharing else self.raise_dispute_problem(dispute))

    @workflow.update
    def record_dispute_review(self, review: DisputeReview) -> Receipt:
        return self.receipt(self.apply_record_dispute_review(review))

    @record_dispute_review.validator
    def validate_record_dispute_review(self, review: DisputeReview) -> None:
        refuse_if(self.record_dispute_review_problem(review))
