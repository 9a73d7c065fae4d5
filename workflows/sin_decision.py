"""SinDecisionWorkflow: the serious incident notification decision (SPEC §4).

Isle of Wight steps, each due one working day after the last: the referral goes to the LIG
chair and the LA's Service Director; they give an initial view; the police and ICB
representatives agree or disagree (silence by the due instant is agreement). Hampshire variant
(the profile's sin_process): agencies send summaries of involvement (2 WD), the LIG recommends
to the Independent Chair, and the three partners' decision-makers each agree or disagree (no
silent agreement: they are chased). Either way a disagreement goes to a short meeting and,
if that cannot settle it, to the Partnership Chair. On `notify` the LA must submit the SIN
within 5 working days of becoming aware and the partnership reports it locally.

Updates: record_meeting(MeetingOutcome) -> Receipt, record_reference(SubmissionReference)
         -> Receipt, and every lifecycle's answer, mark_absent and resend_links
         (workflows/handlers.py); each also a signal for the cases already running
Queries: view() -> LifecycleView, question(QuestionLookup) -> QuestionView
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.commands import Receipt, refuse_if
    from domain.deadlines import DeadlineRequest
    from domain.questions import Answer, Question
    from domain.rapid_review import PARTNERS
    from domain.sin_decision import (
        MeetingOutcome,
        SinDecided,
        SinInput,
        SinOutcome,
        SubmissionReference,
    )
    from domain.state import SinState

from workflows.handlers import ProcedureSignals
from workflows.lifecycle import Lifecycle

PARTNERS_ASKED = ["police", "icb"]  # the LA's view is in the initial view
EVERYONE = ["lig_chair", "la_service_director", "police", "icb"]


@workflow.defn
class SinDecisionWorkflow(ProcedureSignals[SinState]):
    @workflow.init
    def __init__(self, input: SinInput) -> None:
        self.input = input
        self.state = SinState(absent=list(input.absent_roles))
        self.life = Lifecycle("sin-decision", input.case_ref, input.profile, self.state)
        referral = input.referral
        self.context = {
            "child_initials": referral.child.initials,
            "received_on": referral.received_on.isoformat(),
            "aware_on": referral.aware_on.isoformat(),
            "incident": referral.incident_text,
            "criteria": "appear to be met" if referral.sin_criteria_met
            else "do not appear to be met",
        }

    @workflow.run
    async def run(self, input: SinInput) -> SinOutcome:
        outcome = await self.decide()
        self.state.outcome = outcome
        await workflow.get_external_workflow_handle(input.parent_workflow_id).signal(
            "sin_decided", SinDecided(outcome=outcome))
        await self.life.send_to_roles("sin_outcome", "sin.outcome",
                                      EVERYONE + ["partnership_chair"],
                                      {**self.context, "outcome": outcome.outcome,
                                       "rationale": outcome.rationale, "by": outcome.decided_by})
        if outcome.outcome == "notify":
            outcome.submission_reference = await self.notification_duty()
        self.state.step = "done"
        await workflow.wait_condition(workflow.all_handlers_finished)
        return outcome

    async def decide(self) -> SinOutcome:
        if self.input.profile.partnership.sin_process == "hampshire":
            view = await self.hampshire_recommendation()
            partners = [self.input.profile.decision_maker(p) for p in PARTNERS]
            return await self.partner_responses(view, partners, "sin_partner_decision_request",
                                                silence_agrees=False)
        return await self.partner_responses(await self.initial_view(), PARTNERS_ASKED,
                                            "sin_partner_response_request",
                                            silence_agrees=True)

    async def initial_view(self) -> Answer:
        """Isle of Wight: the LIG chair and the LA's Service Director give an initial view."""
        life, referral = self.life, self.input.referral
        self.state.step = "initial view"
        shared, initial_due = await life.plan(
            DeadlineRequest(key="sin.referral_shared", base=referral.received_on),
            DeadlineRequest(key="sin.initial_view", base_instant=workflow.now()),
        )
        view_q = await life.ask("initial_view", "initial_view",
                                ["lig_chair", "la_service_director"], "sin.initial_view",
                                "sin_initial_view_request", self.context)
        life.complete("sin.referral_shared")
        view = await self.answer_of(view_q, "the initial view from the LIG chair and "
                                    "Service Director")
        life.complete("sin.initial_view")
        life.record("initial_view", view.choice, self.by(view_q), view.rationale, at=view.at)
        return view

    async def hampshire_recommendation(self) -> Answer:
        """Hampshire: the team asks the agencies for summaries of involvement, and the LIG
        recommends to the Independent Chair."""
        life, referral, profile = self.life, self.input.referral, self.input.profile
        self.state.step = "agency information"
        _, info_due = await life.plan(
            DeadlineRequest(key="sin.referral_shared", base=referral.received_on),
            DeadlineRequest(key="sin.agency_information", base_instant=workflow.now()))
        asked = [await life.ask(f"agency_information:{a}", "scoping_return", [f"agency:{a}"],
                                "sin.agency_information", "sin_agency_information_request",
                                {**self.context, "agency": profile.agencies[a].name})
                 for a in referral.agencies_involved if a in profile.agencies]
        life.complete("sin.referral_shared")
        if await life.wait(lambda: all(q.status != "open" for q in asked), info_due,
                           "agencies' summaries of involvement"):
            life.complete("sin.agency_information")
        else:  # the LIG goes ahead with what it has; late returns are still recorded
            await self.escalate("sin.agency_information", "summaries of involvement")
        returned = [q for q in asked if q.answer]
        for q in returned:
            assert q.answer is not None
            life.record("agency_information", q.answer.choice, self.by(q), at=q.answer.at)

        self.state.step = "LIG recommendation"
        await life.plan(DeadlineRequest(key="sin.lig_recommendation",
                                        base_instant=workflow.now()))
        rec_q = await life.ask("lig_recommendation", "initial_view", ["lig_chair"],
                               "sin.lig_recommendation", "sin_lig_recommendation_request",
                               {**self.context, "returned": f"{len(returned)} of {len(asked)}"})
        recommendation = await self.answer_of(rec_q, "the LIG's recommendation")
        life.complete("sin.lig_recommendation", at=recommendation.at)
        life.record("lig_recommendation", recommendation.choice, self.by(rec_q),
                    recommendation.rationale, at=recommendation.at)
        return recommendation

    async def partner_responses(self, view: Answer, roles: list[str], template: str,
                                silence_agrees: bool) -> SinOutcome:
        life = self.life
        self.state.step = "partner responses"
        (responses_due,) = await life.plan(
            DeadlineRequest(key="sin.partner_responses", base_instant=workflow.now()))
        asked = [
            await life.ask(f"partner_response:{role}", "partner_response", [role],
                           "sin.partner_responses", template,
                           {**self.context, "initial_view": view.choice,
                            "initial_rationale": view.rationale})
            for role in roles
        ]
        all_answered = await life.wait(lambda: all(q.status != "open" for q in asked),
                                       responses_due, "the partners' responses")
        if all_answered:
            life.complete("sin.partner_responses")
        elif not silence_agrees:  # Hampshire: each partner decides; chase, and wait for them
            await self.escalate("sin.partner_responses", "the partners' decisions",
                                roles=["partnership_chair", *roles])
            await workflow.wait_condition(lambda: all(q.status != "open" for q in asked))
            life.complete("sin.partner_responses")
        else:
            # Silence is agreement at the due instant itself, not when the timer is handled.
            for q in asked:
                if q.status == "open":
                    life.state.book.deem(q.id, "agree", "no response by the due time is taken "
                                         "as agreement", responses_due.due_at)
            life.complete("sin.partner_responses", at=responses_due.due_at)
        for q in asked:
            assert q.answer is not None
            life.record("partner_response", q.answer.choice, self.by(q), q.answer.rationale,
                        deemed=q.answer.deemed, at=q.answer.at)
        disagreements = [q for q in asked if q.answer and q.answer.choice == "disagree"]
        if not disagreements:
            return SinOutcome(outcome=view.choice, decided_at=workflow.now(),  # type: ignore[arg-type]
                              decided_by="safeguarding partners (agreed)",
                              rationale=view.rationale)
        return await self.resolve(disagreements)

    async def resolve(self, disagreements: list[Question]) -> SinOutcome:
        life = self.life
        self.state.step = "resolution meeting"
        first_known = min(q.answer.at for q in disagreements if q.answer)
        (due,) = await life.plan(DeadlineRequest(key="sin.resolution", base_instant=first_known))
        reasons = "\n".join(f"- {self.by(q)}: {q.answer.rationale}" for q in disagreements
                            if q.answer)
        meeting_context = {**self.context, "disagreements": reasons, "due": due.due_at.isoformat()}
        await life.send_to_roles("sin_meeting_needed", "sin.meeting",
                                 EVERYONE + ["partnership_chair", "independent_scrutineer"],
                                 meeting_context)
        await life.send_to_address("sin_meeting_needed", "sin.meeting.team", "team",
                                   "Partnership team", self.input.profile.partnership.team_email,
                                   meeting_context)
        met = await life.wait(lambda: self.state.meeting is not None, due, "the meeting outcome")
        if not met:
            await self.escalate(due.key, "the outcome of the resolution meeting")
            await workflow.wait_condition(lambda: self.state.meeting is not None)
        meeting = self.state.meeting
        assert meeting is not None
        life.record("resolution_meeting", meeting.outcome, meeting.recorded_by, meeting.rationale)
        if meeting.outcome != "unresolved":
            life.complete("sin.resolution")
            return SinOutcome(outcome=meeting.outcome, decided_at=workflow.now(),
                              decided_by="resolution meeting", rationale=meeting.rationale)

        self.state.step = "Partnership Chair decision"
        chair_context = {**self.context, "disagreements": reasons,
                         "meeting_rationale": meeting.rationale}
        chair_q = await life.ask("chair_decision", "chair_decision", ["partnership_chair"],
                                 "sin.resolution", "sin_chair_decision_request", chair_context)
        await life.send_to_roles("sin_scrutineer_records", "sin.scrutineer",
                                 ["independent_scrutineer"], chair_context)
        decision = await self.answer_of(chair_q, "the Partnership Chair's decision")
        life.complete("sin.resolution")
        life.record("partnership_chair_decision", decision.choice, self.by(chair_q),
                    decision.rationale)
        return SinOutcome(outcome=decision.choice, decided_at=workflow.now(),  # type: ignore[arg-type]
                          decided_by=self.by(chair_q), rationale=decision.rationale)

    async def notification_duty(self) -> str | None:
        """The LA submits the SIN within 5 WD of aware_on; the partnership reports it locally."""
        life, referral = self.life, self.input.referral
        self.state.step = "notification to the Panel"
        notification, local = await life.plan(
            DeadlineRequest(key="sin.notification", base=referral.aware_on,
                            remind_working_days_before=1),
            DeadlineRequest(key="sin.local_report", base=referral.aware_on),
        )
        ref_q = await life.ask("sin_reference", "sin_reference", ["la_service_director"],
                               "sin.notification", "sin_reference_request", self.context)
        await life.send_to_roles("sin_local_report", "sin.local_report",
                                 ["independent_scrutineer", "strategic_partnership_manager",
                                  "la_service_director", "police", "icb"],
                                 {**self.context, "due": notification.due_at.isoformat()})
        life.complete("sin.local_report")

        answered = lambda: ref_q.status != "open"  # noqa: E731
        reminded = await life.wait(answered, notification, "the LA Service Director",
                                   until="remind")
        if not reminded and workflow.now() < notification.due_at:  # never a reminder after due
            await life.remind(ref_q, "sin_reference_reminder")
        if not await life.wait(answered, notification, "the SIN submission reference"):
            await self.escalate(notification.key, "the SIN submission reference",
                                roles=["lig_chair", "la_service_director"])
            await workflow.wait_condition(answered)
        assert ref_q.answer is not None
        life.complete("sin.notification", note=f"reference {ref_q.answer.reference}")
        life.record("sin_submitted", ref_q.answer.reference or "", self.by(ref_q),
                    ref_q.answer.rationale)
        return ref_q.answer.reference

    async def answer_of(self, question: Question, waiting_for: str):  # noqa: ANN201
        return await self.life.answer_of(question, waiting_for, self.context)

    async def escalate(self, key: str, waiting_for: str, roles: list[str] | None = None) -> None:
        await self.life.escalate(key, waiting_for, roles or ["lig_chair"], self.context)

    def by(self, question: Question) -> str:
        return self.life.answered_by(question)

    # --- messages ----------------------------------------------------------------------------
    def page_context(self) -> dict[str, str]:
        referral, agencies = self.input.referral, self.input.profile.agencies
        child = referral.child
        return {
            **self.context,
            "child_name": f"{child.first_name} {child.last_name}",
            "child_dob": child.date_of_birth.isoformat(),
            "case_outline": referral.case_outline,
            "reason_for_referral": referral.reason_for_referral,
            "agencies_involved": ", ".join(
                agencies[key].name if key in agencies else key
                for key in referral.agencies_involved),
            "criminal_investigation": referral.criminal_investigation,
        }

    @workflow.update
    def record_meeting(self, meeting: MeetingOutcome) -> Receipt:
        self.state.meeting = meeting
        return self.receipt(f"resolution meeting: {meeting.outcome}", "sin.resolution")

    @record_meeting.validator
    def validate_record_meeting(self, meeting: MeetingOutcome) -> None:
        refuse_if(None if self.state.step == "resolution meeting" and self.state.meeting is None
                  else f"no resolution meeting is pending (step: {self.state.step})")

    @workflow.update
    def record_reference(self, reference: SubmissionReference) -> Receipt:
        self.record_reference_signal(reference)
        return self.receipt(f"SIN submission reference {reference.reference.strip()}",
                            "sin.notification")

    @record_reference.validator
    def validate_record_reference(self, reference: SubmissionReference) -> None:
        question = self.state.book.questions.get("sin_reference")
        refuse_if(None if question is not None and question.status == "open" else
                  f"no submission reference is awaited (step: {self.state.step})")
        refuse_if(None if reference.reference.strip() else "the reference is empty")

    # Kept for running cases: the signals these commands were before they answered back.
    @workflow.signal(name="record_meeting")
    def record_meeting_signal(self, signal: MeetingOutcome) -> None:
        if self.state.step == "resolution meeting" and self.state.meeting is None:
            self.state.meeting = signal

    @workflow.signal(name="record_reference")
    def record_reference_signal(self, signal: SubmissionReference) -> None:
        self.state.book.record_for("sin_reference", "submitted", "", workflow.now(),
                                   recorded_by=signal.recorded_by, reference=signal.reference)
