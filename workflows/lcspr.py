"""LcsprWorkflow: the local child safeguarding practice review, to publication (SPEC §7).

The review lives six months or more and is driven by the team's recordings, so the workflow
is an event loop: each recording is checked and recorded, and queues the work it asks for
(letters, requests, deadlines); the loop (workflows/event_loop.py) performs it, reminds and
escalates when deadlines fall due, and continues as new when Temporal suggests, carrying its
whole state (questions and their links included, so links in old emails keep working).

Updates (workflows/lcspr_recordings.py), each -> Receipt once the loop has performed its work:
         appoint_reviewer(Reviewer), remove_reviewer(NewInformation),
         record_terms(TermsOfReference), request_revision(Revision), record_family(FamilyRecord),
         schedule_workshop(Workshop), record_draft(NewInformation), record_qa(QualityAssurance),
         record_executive(ExecutiveApproval), plan_publication(PublicationPlan),
         record_publication(Publication), pause(Pause), resume(NewInformation),
         new_information(NewInformation); and every lifecycle's answer, mark_absent and
         resend_links (workflows/handlers.py). Each is also a signal for the running cases.
Queries: view() -> LifecycleView, question(QuestionLookup) -> QuestionView
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.deadlines import compute_deadlines, shift_deadline
    from domain.deadlines import Deadline, DeadlineRequest, ShiftRequest
    from domain.lcspr import (
        AGENCY_WORK,
        LcsprInput,
        LcsprResult,
        Publication,
        PublicationPlan,
        Reviewer,
        Revision,
        Workshop,
    )
    from domain.rapid_review import PARTNERS
    from domain.state import LcsprState

from workflows.event_loop import EventLoop
from workflows.lcspr_mail import LcsprMessages
from workflows.lcspr_recordings import LcsprRecordings
from workflows.lifecycle import Lifecycle


def _watched(key: str) -> bool:
    """The deadlines the loop reminds about and escalates (the rest are met by steps)."""
    return (key.startswith("lcspr.chronology") or key.startswith("lcspr.information_report")
            or key == "lcspr.publication")


@workflow.defn
class LcsprWorkflow(LcsprRecordings):
    @workflow.init
    def __init__(self, input: LcsprInput) -> None:
        self.input = input
        self.state = (LcsprState.model_validate(input.carried) if input.carried
                      else LcsprState(absent=list(input.absent_roles)))
        self.life = Lifecycle("lcspr", input.case_ref, input.profile, self.state)
        self.msg = LcsprMessages(self.life, input)
        self.loop = EventLoop(self.state, _watched, input.events_per_run)

    @workflow.run
    async def run(self, input: LcsprInput) -> LcsprResult:
        state = self.state
        if not state.started:
            state.started = True
            self.loop.then("start", self.commission)
        while True:
            await self.loop.perform_queued()
            if state.phase == "published":
                break
            await self.check_deadlines()
            if await self.loop.time_to_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                state.runs += 1
                workflow.continue_as_new(input.model_copy(
                    update={"carried": state.model_dump(mode="json")}))
            await self.loop.wait_for_work()
        await workflow.wait_condition(workflow.all_handlers_finished)
        publication = state.publication
        assert publication is not None
        return LcsprResult(published_on=publication.on, url=publication.url,
                           improvements_only=publication.improvements_only,
                           paused_days=state.paused_days, runs=state.runs,
                           completed_at=workflow.now())

    def refuse(self, why: str) -> None:
        self.state.refused.append(why)

    # --- the clock ----------------------------------------------------------------------------
    async def check_deadlines(self) -> None:
        now = workflow.now()
        for _, key, kind in self.loop.due_now():
            question = next((q for q in self.state.book.open_questions()
                             if q.deadline_key == key), None)
            if kind == "remind":
                if question and now < self.state.deadlines[key].due_at:
                    await self.life.remind(question, "lcspr_submission_reminder")
            elif key == "lcspr.publication":
                await self.msg.overdue(key, "publication of the review")
            elif question:
                self.state.deadlines[key].miss()
                await self.msg.submission_overdue(question)
        self.life.publish()

    # --- work the recordings queue (performed by the loop) -----------------------------------
    async def commission(self) -> None:
        await self.life.plan(DeadlineRequest(key="lcspr.publication",
                                             base=self.input.decided_on))
        self.life.record("lcspr_commissioned", "lcspr", "safeguarding partners",
                         f"decided on {self.input.decided_on}")
        await self.msg.commissioned()

    async def tell_of_reviewer(self, reviewer: Reviewer, replacing: bool) -> None:
        await self.msg.reviewer_to_national_bodies(reviewer, replacing=replacing)

    async def request_agency_work(self) -> None:
        terms = self.state.terms
        assert terms is not None
        works = [AGENCY_WORK[m] for m in terms.methodology if m in AGENCY_WORK]
        await self.life.plan(*(
            DeadlineRequest(key=f"lcspr.{work}.{agency}",
                            base=terms.key_dates.agency_submissions_due,
                            remind_working_days_before=1)
            for work in works for agency in terms.agencies))
        for work in works:
            for agency in terms.agencies:
                await self.life.ask(f"{work}:{agency}", "agency_submission", [f"agency:{agency}"],
                                    f"lcspr.{work}.{agency}", f"lcspr_{work}_request",
                                    self.msg.agency_context(agency))

    async def request_revised(self, revision: Revision, n: int) -> None:
        # n: numbered when recorded, so two queued never collide
        key = f"lcspr.{revision.work}.{revision.agency}.revision{n}"
        await self.life.plan(DeadlineRequest(key=key, base=revision.due,
                                             remind_working_days_before=1))
        await self.life.ask(f"{revision.work}:{revision.agency}:revision{n}", "agency_submission",
                            [f"agency:{revision.agency}"], key, "lcspr_revision_request",
                            {**self.msg.agency_context(revision.agency),
                             "work": revision.work.replace("_", " "),
                             "revision_request": revision.request})

    async def invite_to_workshop(self, workshop: Workshop) -> None:
        await self.msg.workshop(workshop, self.state)

    async def ask_for_quality_assurance(self) -> None:
        await self.msg.quality_assurance_request()

    async def ask_for_approval(self) -> None:
        self.state.approval_round += 1
        round_ = self.state.approval_round
        for partner in PARTNERS:
            role = self.input.profile.decision_maker(partner)
            await self.life.ask(f"approve:{partner}:{round_}", "approval", [role],
                                "lcspr.publication", "lcspr_approval_request", self.msg.base)

    async def approvals_done(self, objections: list[str]) -> None:
        if objections:
            self.state.phase = "drafting"
            await self.msg.objection("\n".join(objections))
        else:
            self.state.phase = "executive_approval"
            await self.msg.executive_request()

    async def prepublication_notice(self, plan: PublicationPlan) -> Deadline:
        """The date the full report must reach the national bodies by, computed aside: a date
        refused as too close must not undo an accepted plan."""
        (notice,) = (await workflow.execute_local_activity(
            compute_deadlines,
            self.life.deadline_batch([DeadlineRequest(key="lcspr.prepublication_notice",
                                                      base=plan.on)]),
            start_to_close_timeout=timedelta(seconds=10))).deadlines
        return notice

    @staticmethod
    def too_close(plan: PublicationPlan, notice: Deadline) -> str | None:
        if workflow.now() > notice.due_at:
            return (f"publication on {plan.on} is too close: the full report must reach the "
                    f"Panel, DfE and Ofsted by {notice.due} (7 working days before)")
        return None

    async def plan_and_give_notice(self, plan: PublicationPlan) -> None:
        notice = await self.prepublication_notice(plan)
        if problem := self.too_close(plan, notice):
            self.refuse(problem)
            return
        self.state.deadlines[notice.key] = notice
        self.state.plan = plan
        await self.msg.prepublication_notice(plan)
        self.life.complete(notice.key)
        self.life.record("publication_planned", plan.on.isoformat(), "partnership team",
                         f"full report sent to the Panel, DfE and Ofsted on notice by {notice.due}")

    async def publish(self, publication: Publication) -> None:
        self.state.publication = publication
        self.life.complete("lcspr.publication", note=f"published {publication.on}")
        if publication.improvements_only:
            await self.msg.improvements_only(publication)
        await self.msg.nspcc(publication)
        self.life.record("published", publication.url, "partnership team",
                         "improvements only" if publication.improvements_only else "full report")
        for question in self.state.book.open_questions():
            self.state.book.close(question.id, "the review has been published")
        self.state.phase = "published"

    async def tell_of_pause(self) -> None:
        pause = self.state.pause
        assert pause is not None
        self.state.deadlines["lcspr.publication"].pause(f"paused: {pause.reason}")
        self.life.publish()
        await self.msg.paused(pause)

    async def resume_clock(self) -> None:
        paused_at, current = self.state.paused_at, self.state.deadlines["lcspr.publication"]
        if paused_at is None:  # already resumed by work queued earlier
            return
        shifted = await workflow.execute_local_activity(
            shift_deadline,
            ShiftRequest(deadline=current, paused_at=paused_at, resumed_at=workflow.now(),
                         close_of_business=self.input.profile.partnership.close_of_business
                         .isoformat(),
                         working_day_seconds=self.life.working_day_seconds),
            start_to_close_timeout=timedelta(seconds=10))
        self.state.paused_days += (shifted.due - current.due).days
        self.state.deadlines["lcspr.publication"] = shifted
        # The new date is escalated afresh if it too is missed.
        self.state.escalated = [k for k in self.state.escalated if k != "lcspr.publication"]
        self.state.pause, self.state.paused_at = None, None
        self.life.publish()
        await self.msg.resumed(shifted)


    async def tell_of_new_information(self, details: str) -> None:
        await self.msg.national_review_information(details)
