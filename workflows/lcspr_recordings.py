"""What the team and partners record on an LCSPR: for each recording, what stops it (a reason,
or None) and what it does: it records and queues the effects the main loop performs. Neither
waits on an activity, so a recording is never half done. The updates that use them are on
LcsprWorkflow; the signals they were before go through the kit's `recording_signal`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.case import LifecycleView
    from domain.commands import Receipt, refuse_if
    from domain.deadlines import Deadline
    from domain.lcspr import (
        ExecutiveApproval,
        FamilyRecord,
        LcsprInput,
        NewInformation,
        Pause,
        Publication,
        PublicationPlan,
        QualityAssurance,
        Reviewer,
        Revision,
        TermsOfReference,
        Workshop,
    )
    from domain.questions import Question
    from domain.state import LcsprState

from workflows.handlers import LoopSignals, Recording

if TYPE_CHECKING:
    from workflows.lcspr_mail import LcsprMessages
    from workflows.lifecycle import Lifecycle

# The recordings, by name, and what each is given (the update of that name is on LcsprWorkflow).
RECORDINGS: dict[str, type[BaseModel]] = {
    "appoint_reviewer": Reviewer, "remove_reviewer": NewInformation,
    "record_terms": TermsOfReference, "request_revision": Revision,
    "record_family": FamilyRecord, "schedule_workshop": Workshop,
    "record_draft": NewInformation, "record_qa": QualityAssurance,
    "record_executive": ExecutiveApproval, "plan_publication": PublicationPlan,
    "record_publication": Publication, "pause": Pause, "resume": NewInformation,
    "new_information": NewInformation,
}


class LcsprRecordings(LoopSignals[LcsprState]):
    state: LcsprState
    life: Lifecycle
    msg: LcsprMessages
    input: LcsprInput

    commission: Callable[[], Awaitable[None]]
    tell_of_reviewer: Callable[[Reviewer, bool], Awaitable[None]]
    request_agency_work: Callable[[], Awaitable[None]]
    request_revised: Callable[[Revision, int], Awaitable[None]]
    invite_to_workshop: Callable[[Workshop], Awaitable[None]]
    ask_for_quality_assurance: Callable[[], Awaitable[None]]
    ask_for_approval: Callable[[], Awaitable[None]]
    approvals_done: Callable[[list[str]], Awaitable[None]]
    plan_and_give_notice: Callable[[PublicationPlan], Awaitable[None]]
    publish: Callable[[Publication], Awaitable[None]]
    tell_of_pause: Callable[[], Awaitable[None]]
    resume_clock: Callable[[], Awaitable[None]]
    tell_of_new_information: Callable[[str], Awaitable[None]]
    prepublication_notice: Callable[[PublicationPlan], Awaitable[Deadline]]
    too_close: Callable[[PublicationPlan, Deadline], str | None]

    def on_answer(self, question: Question) -> None:
        if question.answer is None:
            return
        if question.kind == "agency_submission":
            self.life.complete(question.deadline_key, at=question.answer.at)
            self.life.record("agency_submission", question.id, self.life.answered_by(question),
                             question.answer.fields.get("document_reference", ""),
                             at=question.answer.at)
        elif question.kind == "approval":
            current = [q for q in self.state.book.questions.values()
                       if q.kind == "approval" and q.id.endswith(f":{self.state.approval_round}")]
            if all(q.status == "answered" for q in current):
                objections = []
                for q in current:
                    assert q.answer is not None
                    by = self.life.answered_by(q)
                    self.life.record("partner_approval", q.answer.choice, by, q.answer.rationale,
                                     at=q.answer.at)
                    if q.answer.choice == "object":
                        objections.append(f"- {by}: {q.answer.rationale}")
                self.loop.then("approvals_done", lambda: self.approvals_done(objections))

    # --- what stops each recording ------------------------------------------------------------
    def appoint_reviewer_problem(self, reviewer: Reviewer) -> str | None:
        if self.state.reviewer is not None:
            return f"{self.state.reviewer.name} is the reviewer: remove them first"
        return "the review is published" if self.state.phase == "published" else None

    def remove_reviewer_problem(self, why: NewInformation) -> str | None:
        if self.state.reviewer is None or self.state.phase == "published":
            return "there is no reviewer in post to remove"
        return None

    def record_terms_problem(self, terms: TermsOfReference) -> str | None:
        unknown = [a for a in terms.agencies if a not in self.input.profile.agencies]
        if unknown:
            return f"agencies: unknown {', '.join(unknown)}"
        if self.state.terms is not None:
            return "terms of reference are already recorded"
        if self.state.reviewer is None:
            return "appoint the reviewer before recording the terms of reference"
        due = terms.key_dates.agency_submissions_due
        return f"key_dates.agency_submissions_due: {due} is in the past" \
            if due < workflow.now().date() else None

    def request_revision_problem(self, revision: Revision) -> str | None:
        submitted = self.state.book.questions.get(f"{revision.work}:{revision.agency}")
        if submitted is None or submitted.status != "answered":
            return f"no {revision.work.replace('_', ' ')} from {revision.agency} to revise yet"
        return f"due: {revision.due} is in the past" if revision.due < workflow.now().date() \
            else None

    def record_family_problem(self, record: FamilyRecord) -> str | None:
        pending = self.input.referral.criminal_investigation in ("yes", "possible")
        if pending and record.status in ("contacted", "letter_sent", "taking_part") \
                and not record.police_agreed_timing:
            return ("criminal proceedings may be pending: agree the timing of family contact "
                    "with the police first (police_agreed_timing)")
        return None

    def schedule_workshop_problem(self, workshop: Workshop) -> str | None:
        return "record the terms of reference before planning a workshop" \
            if self.state.terms is None else None

    def record_draft_problem(self, note: NewInformation) -> str | None:
        return None if self.state.phase in ("agency_work", "drafting") else \
            f"not expecting a draft now (phase: {self.state.phase})"

    def record_qa_problem(self, qa: QualityAssurance) -> str | None:
        return None if self.state.phase == "quality_assurance" else \
            f"no draft is awaiting quality assurance (phase: {self.state.phase})"

    def record_executive_problem(self, approval: ExecutiveApproval) -> str | None:
        return None if self.state.phase == "executive_approval" else \
            f"not awaiting Executive approval (phase: {self.state.phase})"

    def plan_publication_problem(self, plan: PublicationPlan) -> str | None:
        if self.state.phase != "publication":
            return ("the Executive must approve before publication is planned "
                    f"(phase: {self.state.phase})")
        return "the review is paused; resume it before planning publication" \
            if self.state.pause is not None else None

    def record_publication_problem(self, publication: Publication) -> str | None:
        notice = self.state.deadlines.get("lcspr.prepublication_notice")
        if self.state.plan is None or notice is None or notice.completed_at is None:
            return ("plan the publication first: the Panel, DfE and Ofsted must have the full "
                    "report 7 working days before")
        if self.state.pause is not None:
            return "the review is paused; resume it before publishing"
        if publication.on < self.state.plan.on:
            return (f"published on {publication.on}, before the planned date "
                    f"{self.state.plan.on} that the national bodies were given")
        return None

    def pause_problem(self, pause: Pause) -> str | None:
        return "the review is already paused or published" \
            if self.state.pause is not None or self.state.phase == "published" else None

    def resume_problem(self, note: NewInformation) -> str | None:
        if self.state.pause is None or self.loop.queued("resume"):
            return "the review is not paused"
        return None

    def new_information_problem(self, info: NewInformation) -> str | None:
        return None

    # --- what each recording does -------------------------------------------------------------
    def apply_appoint_reviewer(self, reviewer: Reviewer) -> str:
        replacing = bool(self.state.former_reviewers)
        self.state.reviewer = reviewer
        self.life.record("reviewer_appointed", reviewer.name, "partnership team",
                         f"{reviewer.kind} reviewer; conflict of interest declared: "
                         f"{reviewer.conflict_of_interest_details or 'none'}")
        self.loop.then("reviewer", lambda: self.tell_of_reviewer(reviewer, replacing))
        return f"{reviewer.name} appointed reviewer"

    def apply_remove_reviewer(self, why: NewInformation) -> str:
        reviewer = self.state.reviewer
        assert reviewer is not None
        self.state.former_reviewers.append(reviewer)
        self.state.reviewer = None
        self.life.record("reviewer_removed", reviewer.name, "LIG", why.details)
        return f"{reviewer.name} removed"

    def apply_record_terms(self, terms: TermsOfReference) -> str:
        self.state.terms = terms
        self.state.phase = "agency_work"
        self.life.record("terms_of_reference", ", ".join(terms.methodology), "partnership team",
                         "; ".join(terms.key_lines_of_enquiry))
        self.loop.then("agency_requests", self.request_agency_work)
        return "terms of reference; the agencies' work requested"

    def apply_request_revision(self, revision: Revision) -> str:
        self.state.revisions += 1
        n = self.state.revisions
        self.loop.then("revision", lambda: self.request_revised(revision, n))
        return f"a revised {revision.work.replace('_', ' ')} asked of {revision.agency}"

    def apply_record_family(self, record: FamilyRecord) -> str:
        self.state.family.append(record)
        self.life.record("family_engagement", record.status, "partnership team",
                         f"{record.member}: {record.reason}".rstrip(": "))
        return f"family engagement: {record.member} {record.status}"

    def apply_schedule_workshop(self, workshop: Workshop) -> str:
        self.state.workshops.append(workshop)
        self.loop.then("workshop", lambda: self.invite_to_workshop(workshop))
        return f"{workshop.kind.replace('_', ' ')} on {workshop.on}"

    def apply_record_draft(self, note: NewInformation) -> str:
        self.state.phase = "quality_assurance"
        self.life.record("draft_received", "draft", "reviewer", note.details)
        self.loop.then("draft", self.ask_for_quality_assurance)
        return "the draft; sent for quality assurance"

    def apply_record_qa(self, qa: QualityAssurance) -> str:
        self.life.record("lig_quality_assurance", qa.outcome, "LIG", qa.notes)
        if qa.outcome == "approved":
            self.state.phase = "partner_approval"
            self.loop.then("approval", self.ask_for_approval)
        else:
            self.state.phase = "drafting"
        return f"quality assurance: {qa.outcome}"

    def apply_record_executive(self, approval: ExecutiveApproval) -> str:
        self.state.executive = approval
        self.state.phase = "publication"
        self.life.record("executive_approval", "approved", "Executive",
                         "report, partnership response, action plan and publication plan")
        return "the Executive's approval"

    def apply_plan_publication(self, plan: PublicationPlan) -> str:
        self.loop.then("plan_publication", lambda: self.plan_and_give_notice(plan))
        return f"publication planned for {plan.on}"

    def apply_record_publication(self, publication: Publication) -> str:
        self.loop.then("published", lambda: self.publish(publication))
        return f"published on {publication.on}"

    def apply_pause(self, pause: Pause) -> str:
        self.state.pause, self.state.paused_at = pause, workflow.now()
        self.life.record("paused", pause.reason, "partnership team", pause.details)
        self.loop.then("pause", self.tell_of_pause)
        return f"paused: {pause.reason}"

    def apply_resume(self, note: NewInformation) -> str:
        self.life.record("resumed", "resumed", "partnership team", note.details)
        self.loop.then("resume", self.resume_clock)
        return "resumed"

    def apply_new_information(self, info: NewInformation) -> str:
        self.life.record("new_information", "national_review_suggested", "partnership team",
                         info.details)
        self.loop.then("new_information", lambda: self.tell_of_new_information(info.details))
        return "new information; the Panel is told"

    def recordings(self) -> dict[str, Recording]:
        return {name: Recording(arg, getattr(self, f"{name}_problem"),
                                getattr(self, f"apply_{name}"))
                for name, arg in RECORDINGS.items()}

    # --- updates ------------------------------------------------------------------------------
    @workflow.update
    async def appoint_reviewer(self, reviewer: Reviewer) -> Receipt:
        return await self.perform(self.apply_appoint_reviewer, reviewer)

    @appoint_reviewer.validator
    def validate_appoint_reviewer(self, reviewer: Reviewer) -> None:
        refuse_if(self.appoint_reviewer_problem(reviewer))

    @workflow.update
    async def remove_reviewer(self, why: NewInformation) -> Receipt:
        return await self.perform(self.apply_remove_reviewer, why)

    @remove_reviewer.validator
    def validate_remove_reviewer(self, why: NewInformation) -> None:
        refuse_if(self.remove_reviewer_problem(why))

    @workflow.update
    async def record_terms(self, terms: TermsOfReference) -> Receipt:
        return await self.perform(self.apply_record_terms, terms)

    @record_terms.validator
    def validate_record_terms(self, terms: TermsOfReference) -> None:
        refuse_if(self.record_terms_problem(terms))

    @workflow.update
    async def request_revision(self, revision: Revision) -> Receipt:
        return await self.perform(self.apply_request_revision, revision)

    @request_revision.validator
    def validate_request_revision(self, revision: Revision) -> None:
        refuse_if(self.request_revision_problem(revision))

    @workflow.update
    async def record_family(self, record: FamilyRecord) -> Receipt:
        return await self.perform(self.apply_record_family, record)

    @record_family.validator
    def validate_record_family(self, record: FamilyRecord) -> None:
        refuse_if(self.record_family_problem(record))

    @workflow.update
    async def schedule_workshop(self, workshop: Workshop) -> Receipt:
        return await self.perform(self.apply_schedule_workshop, workshop)

    @schedule_workshop.validator
    def validate_schedule_workshop(self, workshop: Workshop) -> None:
        refuse_if(self.schedule_workshop_problem(workshop))

    @workflow.update
    async def record_draft(self, note: NewInformation) -> Receipt:
        return await self.perform(self.apply_record_draft, note)

    @record_draft.validator
    def validate_record_draft(self, note: NewInformation) -> None:
        refuse_if(self.record_draft_problem(note))

    @workflow.update
    async def record_qa(self, qa: QualityAssurance) -> Receipt:
        return await self.perform(self.apply_record_qa, qa)

    @record_qa.validator
    def validate_record_qa(self, qa: QualityAssurance) -> None:
        refuse_if(self.record_qa_problem(qa))

    @workflow.update
    async def record_executive(self, approval: ExecutiveApproval) -> Receipt:
        return await self.perform(self.apply_record_executive, approval)

    @record_executive.validator
    def validate_record_executive(self, approval: ExecutiveApproval) -> None:
        refuse_if(self.record_executive_problem(approval))

    @workflow.update
    async def record_publication(self, publication: Publication) -> Receipt:
        return await self.perform(self.apply_record_publication, publication)

    @record_publication.validator
    def validate_record_publication(self, publication: Publication) -> None:
        refuse_if(self.record_publication_problem(publication))

    @workflow.update
    async def pause(self, pause: Pause) -> Receipt:
        return await self.perform(self.apply_pause, pause)

    @pause.validator
    def validate_pause(self, pause: Pause) -> None:
        refuse_if(self.pause_problem(pause))

    @workflow.update
    async def resume(self, note: NewInformation) -> Receipt:
        return await self.perform(self.apply_resume, note)

    @resume.validator
    def validate_resume(self, note: NewInformation) -> None:
        refuse_if(self.resume_problem(note))

    @workflow.update
    async def new_information(self, info: NewInformation) -> Receipt:
        return await self.perform(self.apply_new_information, info)

    @new_information.validator
    def validate_new_information(self, info: NewInformation) -> None:
        refuse_if(self.new_information_problem(info))

    @workflow.update
    async def plan_publication(self, plan: PublicationPlan) -> Receipt:
        """The 7-working-day rule needs the calendar (an activity), so it is checked here,
        after the update is accepted; a refusal still changes nothing."""
        refuse_if(self.too_close(plan, await self.prepublication_notice(plan)))
        receipt = await self.perform(self.apply_plan_publication, plan)
        if self.state.plan != plan:  # the day turned while the notice was computed again
            refuse_if(self.state.refused[-1] if self.state.refused else "not planned")
        return receipt

    @plan_publication.validator
    def validate_plan_publication(self, plan: PublicationPlan) -> None:
        refuse_if(self.plan_publication_problem(plan))

    def lifecycle_view(self) -> LifecycleView:
        view = self.life.view()
        view.step = self.state.phase if self.state.pause is None else f"paused ({self.state.phase})"
        return view

    def page_context(self) -> dict[str, str]:
        return self.msg.page_context()

