"""RapidReviewWorkflow: the 15-working-day rapid review after a notification (SPEC §5).

Scoping requests go to every involved agency within 2 WD of the anchor; each return is due
5 WD after sending, reminded the working day before and escalated to that agency's LIG
representative and the team when missed. The meeting falls between anchor +7 and +13 WD and
is quorate only with the LA, police and ICB present. Its record (the Rapid Review Template) is
ratified by the three partners' decision-makers; an objection goes back to the LIG chair for a
revised record. The review goes to the National Panel within 2 WD of the meeting and by +15
WD (the decision to Ofsted and DfE, the outcome to agencies, referrer and Scrutineer), and the
Panel's reply is due 15 WD later. The partners may instead decide not to hold one.

Everyone invited to the meeting (one invitation per person, deputies for absent holders, a
copy to the team) gets a personal link to the meeting papers: the referral and each scoping
return as it arrives; once the returns are in or overdue, they are told the papers are complete.

Updates: set_meeting(MeetingPlan), record_outcome(RapidReviewOutcome), record_not_held(NotHeld),
         record_panel_reply(PanelReply), each -> Receipt, and every lifecycle's answer,
         mark_absent and resend_links (workflows/handlers.py); each also a signal for the
         cases already running
Queries: view() -> LifecycleView, question(QuestionLookup) -> QuestionView,
         papers(PapersLookup) -> PapersView
"""

from __future__ import annotations

import asyncio
import contextlib

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.calendar import london_date
    from domain.commands import Receipt, refuse_if
    from domain.deadlines import DeadlineRequest
    from domain.papers import PapersLookup, PapersView, ScopingPaper
    from domain.questions import Question
    from domain.rapid_review import (
        PARTNERS,
        MeetingPlan,
        NotHeld,
        PanelReply,
        RapidReviewOutcome,
        RrInput,
        RrResult,
        meeting_date_problem,
        outcome_problems,
    )
    from domain.state import RrState

from workflows.handlers import ProcedureSignals
from workflows.lifecycle import Lifecycle
from workflows.rapid_review_mail import RrMessages

# Cases whose scoping settled before meeting papers existed send no papers email.
PAPERS_PATCH = "rr-meeting-papers"


@workflow.defn
class RapidReviewWorkflow(ProcedureSignals[RrState]):
    @workflow.init
    def __init__(self, input: RrInput) -> None:
        self.input = input
        self.state = RrState(absent=list(input.absent_roles))
        self.life = Lifecycle("rapid-review", input.case_ref, input.profile, self.state)
        self.agencies = [a for a in input.referral.agencies_involved
                         if a in input.profile.agencies]
        self.msg = RrMessages(self.life, input)

    @workflow.run
    async def run(self, input: RrInput) -> RrResult:
        life = self.life
        self.state.step = "scoping"
        await life.plan(*(DeadlineRequest(key=key, base=input.anchor,
                                          base_instant=input.anchor_instant)
                          for key in ("rr.scoping_requests", "rr.meeting_window",
                                      "rr.submission")))
        self.msg.base["anchor"] = self.state.deadlines["rr.submission"].base.isoformat()
        scoping = await self.request_scoping()
        chase = asyncio.create_task(self.chase(scoping))
        held = await self.meeting()
        if not held:
            result = await self.not_held()
        else:
            await self.ratify()
            submitted_at = await self.submit()
            reply = await self.panel_reply()
            result = RrResult(held=True, recommendation=self.outcome.recommendation,
                              held_on=self.outcome.held_on,
                              key_lines_of_enquiry=self.outcome.key_lines_of_enquiry,
                              panel_reply=reply, submitted_at=submitted_at)
        chase.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await chase
        for question in life.state.book.open_questions():
            life.state.book.close(question.id, "the rapid review has finished")
        for deadline in life.state.deadlines.values():  # state only: no new command at the end
            if deadline.key.startswith("rr.scoping_returns") and deadline.state == "pending":
                deadline.waive("the rapid review finished before this return")
        self.state.step = "done"
        await workflow.wait_condition(workflow.all_handlers_finished)
        return result

    @property
    def outcome(self) -> RapidReviewOutcome:
        assert self.state.outcome is not None
        return self.state.outcome

    # --- scoping ----------------------------------------------------------------------------
    async def request_scoping(self) -> list[Question]:
        life = self.life
        requests = [DeadlineRequest(key="rr.scoping_returns", base_instant=workflow.now(),
                                    remind_working_days_before=1)]
        requests += [DeadlineRequest(key=f"rr.scoping_returns.{a}", base_instant=workflow.now(),
                                     remind_working_days_before=1) for a in self.agencies]
        await life.plan(*requests)
        asked = await asyncio.gather(*(
            life.ask(f"scoping:{agency}", "scoping_return", [f"agency:{agency}"],
                     f"rr.scoping_returns.{agency}", "rr_scoping_request",
                     self.msg.scoping_context(agency))
            for agency in self.agencies))
        life.complete("rr.scoping_requests")
        return list(asked)

    async def chase(self, asked: list[Question]) -> None:
        life, returns = self.life, self.state.deadlines["rr.scoping_returns"]

        def all_back() -> bool:
            return all(q.status != "open" for q in asked)

        reminded = await life.wait(all_back, returns, "scoping returns", until="remind")
        if not reminded and workflow.now() < returns.due_at:
            for question in asked:
                if question.status == "open":
                    await life.remind(question, "rr_scoping_reminder")
        if await life.wait(all_back, returns, "scoping returns from every agency"):
            return await self.scoping_settled()
        returns.miss()
        for question in asked:
            if question.status == "open":
                self.state.deadlines[question.deadline_key].miss()
                await self.msg.scoping_overdue(question.roles[0].removeprefix("agency:"))
        life.publish()
        await self.scoping_settled()
        await workflow.wait_condition(all_back)

    async def scoping_settled(self) -> None:
        """The papers are as complete as they will be before the meeting."""
        if workflow.patched(PAPERS_PATCH):
            self.state.scoping_settled = True
            await self.msg.papers_complete()

    def on_scoping_answer(self, question: Question) -> None:
        assert question.answer is not None
        self.life.complete(question.deadline_key, at=question.answer.at)
        agency = question.roles[0].removeprefix("agency:")
        self.life.record("scoping_return", question.answer.choice,
                         self.input.profile.agencies[agency].name, at=question.answer.at)
        scoping = [q for q in self.state.book.questions.values() if q.kind == "scoping_return"]
        if all(q.status == "answered" for q in scoping):
            self.life.complete("rr.scoping_returns")

    # --- meeting and outcome ------------------------------------------------------------------
    async def meeting(self) -> bool:
        """Wait for the meeting's record (or a decision not to hold one); True if held."""
        life, window = self.life, self.state.deadlines["rr.meeting_window"]
        self.state.step = "meeting"

        def decided() -> bool:
            return self.state.outcome is not None or self.state.not_held is not None

        if not await life.wait(decided, window, "the rapid review meeting"):
            await self.msg.overdue(window.key, "the rapid review meeting and its record")
            await workflow.wait_condition(decided)
        if self.state.outcome is None:
            return False
        held_on = self.outcome.held_on
        window.mark_met(workflow.now(), f"held on {held_on}")  # checked inside the window
        (after,) = await life.plan(DeadlineRequest(key="rr.submission_after_meeting",
                                                   base=held_on))
        self.state.deadlines["rr.submission"].tighten(after, f"2 WD after the meeting ({held_on})")
        life.publish()
        life.record("rapid_review_meeting", self.outcome.recommendation, "rapid review meeting",
                    self.outcome.reasons)
        return True

    async def ratify(self) -> None:
        """Rounds of ratification until all three partners ratify the latest record."""
        while True:
            version = self.state.outcome_version
            objections = await self.ratification_round(version)
            if not objections:
                return
            self.state.step = "revising the record after an objection"
            self.state.accepting_outcome = True
            await self.msg.objection("\n".join(objections))
            await self.revised_after(version)

    async def revised_after(self, version: int) -> None:
        await workflow.wait_condition(lambda: self.state.outcome_version > version)

    async def ratification_round(self, version: int) -> list[str]:
        life, submission = self.life, self.state.deadlines["rr.submission"]
        self.state.accepting_outcome = False
        self.state.step = "ratification"
        context = self.msg.outcome_context()
        asked = [await life.ask(f"ratify:{p}:{version}", "ratification",
                                [self.decision_maker(p)], "rr.submission",
                                "rr_ratification_request", context) for p in PARTNERS]
        await life.ask(f"endorse:{version}", "endorsement", ["independent_scrutineer"],
                       "rr.submission", "rr_endorsement_request", context)

        def answered() -> bool:
            return all(q.status != "open" for q in asked)

        if not await life.wait(answered, submission, "ratification by the partners"):
            await self.msg.overdue(submission.key, "ratification by the partners")
            await workflow.wait_condition(answered)
        objections = []
        for q in asked:
            assert q.answer is not None
            by = self.msg.by(q)
            life.record("ratification", q.answer.choice, by, q.answer.rationale, at=q.answer.at)
            if q.answer.choice == "object":
                objections.append(f"- {by}: {q.answer.rationale}")
        return objections

    def decision_maker(self, partner: str) -> str:
        return self.input.profile.decision_maker(partner)

    # --- submission and the Panel -------------------------------------------------------------
    async def submit(self):  # noqa: ANN201 - datetime
        self.state.step = "submission"
        await self.msg.submission()
        # The meeting +2 WD date only tightened rr.submission: met with it, never left
        # pending to show the case overdue once the review has gone.
        after = self.state.deadlines.get("rr.submission_after_meeting")
        if after is not None:
            after.complete(workflow.now())
        self.life.complete("rr.submission")
        self.life.record("rapid_review_submitted", self.outcome.recommendation,
                         "partnership team", "sent to the National Panel, Ofsted and DfE")
        await self.msg.local_outcome()
        return workflow.now()

    async def panel_reply(self) -> str:
        life = self.life
        self.state.step = "awaiting the Panel's reply"
        (due,) = await life.plan(DeadlineRequest(key="rr.panel_response",
                                                 base_instant=workflow.now()))

        def final() -> bool:
            return any(r.reply != "more_information" for r in self.state.panel_replies)

        if not await life.wait(lambda: bool(self.state.panel_replies), due,
                               "the National Panel's reply"):
            await self.msg.overdue(due.key, "the National Panel's reply", roles=[])
            await workflow.wait_condition(lambda: bool(self.state.panel_replies))
        if due.state == "pending":  # the reply came before this deadline was set
            life.complete(due.key)
        await workflow.wait_condition(final)
        reply = next(r for r in self.state.panel_replies if r.reply != "more_information")
        return reply.reply

    async def not_held(self) -> RrResult:
        assert self.state.not_held is not None
        self.state.step = "not held"
        await self.msg.not_held(self.state.not_held)
        for key in ("rr.meeting_window", "rr.submission"):
            self.state.deadlines[key].waive("the partners decided not to hold a rapid review")
        self.life.record("rapid_review_not_held", "not_held", self.state.not_held.recorded_by,
                         self.state.not_held.rationale)
        self.life.publish()
        return RrResult(held=False)

    # --- messages -------------------------------------------------------------------------------
    def on_answer(self, question: Question) -> None:
        if question.kind == "scoping_return":
            self.on_scoping_answer(question)
        elif question.kind == "endorsement" and question.answer:
            self.life.record("scrutineer_endorsement", question.answer.choice,
                             self.life.answered_by(question), question.answer.rationale,
                             at=question.answer.at)

    def page_context(self) -> dict[str, str]:
        return self.msg.page_context()

    @workflow.update
    async def set_meeting(self, plan: MeetingPlan) -> Receipt:
        since = len(self.state.messages)
        self.state.meeting = plan
        await self.msg.invitations(plan)
        return self.receipt(f"meeting on {plan.on} at {plan.at:%H:%M}, {plan.place}",
                            "rr.meeting_window", since=since)

    @set_meeting.validator
    def validate_set_meeting(self, plan: MeetingPlan) -> None:
        refuse_if(self.not_meeting("the meeting can no longer be set"))
        refuse_if(meeting_date_problem(plan.on, self.state.deadlines["rr.meeting_window"]))

    @workflow.update
    def record_outcome(self, outcome: RapidReviewOutcome) -> Receipt:
        self.note_outcome(outcome)
        return self.receipt(f"rapid review record (recommendation {outcome.recommendation}); "
                            "sent for ratification", "rr.meeting_window", "rr.submission")

    @record_outcome.validator
    def validate_record_outcome(self, outcome: RapidReviewOutcome) -> None:
        if not self.state.accepting_outcome or self.state.not_held is not None:
            refuse_if(f"not expecting a record now (step: {self.state.step})")
        window = self.state.deadlines.get("rr.meeting_window")
        refuse_if(None if window else "the meeting window is not yet known")
        assert window is not None
        problems = outcome_problems(outcome, window, self.input.profile, self.agencies,
                                    today=london_date(workflow.now()))
        refuse_if("; ".join(problems))

    @workflow.update
    def record_not_held(self, not_held: NotHeld) -> Receipt:
        self.state.not_held = not_held
        return self.receipt("the partners decided not to hold a rapid review")

    @record_not_held.validator
    def validate_record_not_held(self, not_held: NotHeld) -> None:
        refuse_if(self.not_meeting("too late to decide not to hold it"))

    @workflow.update
    def record_panel_reply(self, reply: PanelReply) -> Receipt:
        self.apply_panel_reply(reply)
        return self.receipt(f"the Panel's reply: {reply.reply}", "rr.panel_response")

    @record_panel_reply.validator
    def validate_record_panel_reply(self, reply: PanelReply) -> None:
        # The Panel may answer as soon as it has the review, while the local emails still go.
        submitted = self.state.deadlines.get("rr.submission")
        sent = submitted is not None and submitted.completed_at is not None
        refuse_if(None if self.state.step == "awaiting the Panel's reply"
                  or (self.state.step == "submission" and sent) else
                  f"not awaiting the Panel's reply (step: {self.state.step})")

    def apply_panel_reply(self, reply: PanelReply) -> None:
        self.state.panel_replies.append(reply)
        self.life.record("panel_reply", reply.reply, "National Panel", reply.notes)
        due = self.state.deadlines.get("rr.panel_response")
        if due is not None and due.state == "pending":
            self.life.complete("rr.panel_response")

    def not_meeting(self, what: str) -> str | None:
        """Why a meeting step cannot be recorded now, or None while the meeting is awaited."""
        if (self.state.step != "meeting" or self.state.outcome is not None
                or self.state.not_held is not None):
            return f"{what} (rapid review step: {self.state.step})"
        return None

    # Kept for running cases: the signals these commands were before they answered back.
    @workflow.signal(name="set_meeting")
    async def set_meeting_signal(self, plan: MeetingPlan) -> None:
        window = self.state.deadlines.get("rr.meeting_window")
        if window is None:
            self.state.refused.append("the meeting window is not yet known")
            return
        problem = meeting_date_problem(plan.on, window)
        if problem or self.state.outcome is not None or self.state.not_held is not None:
            self.state.refused.append(problem or "meeting already held or not held")
            return
        self.state.meeting = plan
        await self.msg.invitations(plan)

    @workflow.signal(name="record_outcome")
    def record_outcome_signal(self, outcome: RapidReviewOutcome) -> None:
        window = self.state.deadlines.get("rr.meeting_window")
        problems = ["not accepting a record now"] if not self.state.accepting_outcome else []
        if window and not problems:
            problems = outcome_problems(outcome, window, self.input.profile, self.agencies,
                                        today=None)
        if problems or self.state.not_held is not None:
            self.state.refused.append("; ".join(problems) or "rapid review not held")
            return
        self.note_outcome(outcome)

    def note_outcome(self, outcome: RapidReviewOutcome) -> None:
        self.state.outcome = outcome
        self.state.outcome_version += 1

    @workflow.signal(name="record_not_held")
    def record_not_held_signal(self, signal: NotHeld) -> None:
        if self.state.outcome is None and self.state.not_held is None:
            self.state.not_held = signal

    @workflow.signal(name="record_panel_reply")
    def record_panel_reply_signal(self, reply: PanelReply) -> None:
        if self.state.step == "awaiting the Panel's reply":
            self.apply_panel_reply(reply)

    @workflow.query
    def papers(self, lookup: PapersLookup) -> PapersView:
        link = next((p for p in self.state.papers if p.nonce == lookup.nonce), None)
        if link is None:
            return PapersView(status="unknown", case_ref=self.input.case_ref)
        agencies = self.input.profile.agencies
        return PapersView(
            status="open", case_ref=self.input.case_ref, recipient=link.recipient,
            meeting=self.state.meeting, context=self.msg.page_context(),
            returns=[ScopingPaper(agency=agencies[q.roles[0].removeprefix("agency:")].name,
                                  status=q.status, answer=q.answer)
                     for q in self.state.book.questions.values() if q.kind == "scoping_return"])
