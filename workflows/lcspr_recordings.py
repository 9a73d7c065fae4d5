"""What the team and partners record on an LCSPR: the workflow's signal handlers.

Each handler checks the recording against where the review is, refuses it with a reason the
CLI can show (state.refused), or records it and queues the effects for the main loop. Handlers
never wait on activities, so a recording is never half done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.case import LifecycleView
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

from workflows.handlers import LoopSignals

if TYPE_CHECKING:
    from workflows.lcspr_messages import LcsprMessages
    from workflows.lifecycle import Lifecycle

class LcsprRecordings(LoopSignals[LcsprState]):
    state: LcsprState
    life: Lifecycle
    msg: LcsprMessages
    input: LcsprInput

    def effect(self, name: str, **payload: object) -> None: ...
    def refuse(self, why: str) -> None: ...

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
                self.effect("approvals_done", objections=objections)

    @workflow.signal
    def appoint_reviewer(self, reviewer: Reviewer) -> None:
        if self.state.reviewer is not None:
            return self.refuse(f"{self.state.reviewer.name} is the reviewer: remove them first")
        if self.state.phase == "published":
            return self.refuse("the review is published")
        replacing = bool(self.state.former_reviewers)
        self.state.reviewer = reviewer
        self.life.record("reviewer_appointed", reviewer.name, "partnership team",
                         f"{reviewer.kind} reviewer; conflict of interest declared: "
                         f"{reviewer.conflict_of_interest_details or 'none'}")
        self.effect("reviewer", replacing=replacing, reviewer=reviewer.model_dump(mode="json"))

    @workflow.signal
    def remove_reviewer(self, why: NewInformation) -> None:
        reviewer = self.state.reviewer
        if reviewer is None or self.state.phase == "published":
            return self.refuse("there is no reviewer in post to remove")
        self.state.former_reviewers.append(reviewer)
        self.state.reviewer = None
        self.life.record("reviewer_removed", reviewer.name, "LIG", why.details)

    @workflow.signal
    def record_terms(self, terms: TermsOfReference) -> None:
        unknown = [a for a in terms.agencies if a not in self.input.profile.agencies]
        if unknown:
            return self.refuse(f"agencies: unknown {', '.join(unknown)}")
        if self.state.terms is not None:
            return self.refuse("terms of reference are already recorded")
        if self.state.reviewer is None:
            return self.refuse("appoint the reviewer before recording the terms of reference")
        if terms.key_dates.agency_submissions_due < workflow.now().date():
            return self.refuse(f"key_dates.agency_submissions_due: "
                               f"{terms.key_dates.agency_submissions_due} is in the past")
        self.state.terms = terms
        self.state.phase = "agency_work"
        self.life.record("terms_of_reference", ", ".join(terms.methodology), "partnership team",
                         "; ".join(terms.key_lines_of_enquiry))
        self.effect("agency_requests")

    @workflow.signal
    def request_revision(self, revision: Revision) -> None:
        submitted = self.state.book.questions.get(f"{revision.work}:{revision.agency}")
        if submitted is None or submitted.status != "answered":
            return self.refuse(f"no {revision.work.replace('_', ' ')} from {revision.agency} "
                               "to revise yet")
        if revision.due < workflow.now().date():
            return self.refuse(f"due: {revision.due} is in the past")
        self.state.revisions += 1
        self.effect("revision", n=self.state.revisions,
                    revision=revision.model_dump(mode="json"))

    @workflow.signal
    def record_family(self, record: FamilyRecord) -> None:
        pending = self.input.referral.criminal_investigation in ("yes", "possible")
        if pending and record.status in ("contacted", "letter_sent", "taking_part") \
                and not record.police_agreed_timing:
            return self.refuse("criminal proceedings may be pending: agree the timing of family "
                               "contact with the police first (police_agreed_timing)")
        self.state.family.append(record)
        self.life.record("family_engagement", record.status, "partnership team",
                         f"{record.member}: {record.reason}".rstrip(": "))

    @workflow.signal
    def schedule_workshop(self, workshop: Workshop) -> None:
        if self.state.terms is None:
            return self.refuse("record the terms of reference before planning a workshop")
        self.state.workshops.append(workshop)
        self.effect("workshop", **workshop.model_dump(mode="json"))

    @workflow.signal
    def record_draft(self, note: NewInformation) -> None:
        if self.state.phase not in ("agency_work", "drafting"):
            return self.refuse(f"not expecting a draft now (phase: {self.state.phase})")
        self.state.phase = "quality_assurance"
        self.life.record("draft_received", "draft", "reviewer", note.details)
        self.effect("draft")

    @workflow.signal
    def record_qa(self, qa: QualityAssurance) -> None:
        if self.state.phase != "quality_assurance":
            return self.refuse(f"no draft is awaiting quality assurance (phase: "
                               f"{self.state.phase})")
        self.life.record("lig_quality_assurance", qa.outcome, "LIG", qa.notes)
        if qa.outcome == "approved":
            self.state.phase = "partner_approval"
            self.effect("approval")
        else:
            self.state.phase = "drafting"

    @workflow.signal
    def record_executive(self, approval: ExecutiveApproval) -> None:
        if self.state.phase != "executive_approval":
            return self.refuse(f"not awaiting Executive approval (phase: {self.state.phase})")
        self.state.executive = approval
        self.state.phase = "publication"
        self.life.record("executive_approval", "approved", "Executive",
                         "report, partnership response, action plan and publication plan")

    @workflow.signal
    def plan_publication(self, plan: PublicationPlan) -> None:
        if self.state.phase != "publication":
            return self.refuse(f"the Executive must approve before publication is planned "
                               f"(phase: {self.state.phase})")
        if self.state.pause is not None:
            return self.refuse("the review is paused; resume it before planning publication")
        self.effect("plan_publication", **plan.model_dump(mode="json"))

    @workflow.signal
    def record_publication(self, publication: Publication) -> None:
        notice = self.state.deadlines.get("lcspr.prepublication_notice")
        if self.state.plan is None or notice is None or notice.completed_at is None:
            return self.refuse("plan the publication first: the Panel, DfE and Ofsted must have "
                               "the full report 7 working days before")
        if self.state.pause is not None:
            return self.refuse("the review is paused; resume it before publishing")
        if publication.on < self.state.plan.on:
            return self.refuse(f"published on {publication.on}, before the planned date "
                               f"{self.state.plan.on} that the national bodies were given")
        self.effect("published", **publication.model_dump(mode="json"))

    @workflow.signal
    def pause(self, pause: Pause) -> None:
        if self.state.pause is not None or self.state.phase == "published":
            return self.refuse("the review is already paused or published")
        self.state.pause, self.state.paused_at = pause, workflow.now()
        self.life.record("paused", pause.reason, "partnership team", pause.details)
        self.effect("pause")

    @workflow.signal
    def resume(self, note: NewInformation) -> None:
        if self.state.pause is None or any(e.name == "resume" for e in self.state.effects):
            return self.refuse("the review is not paused")
        self.life.record("resumed", "resumed", "partnership team", note.details)
        self.effect("resume")

    @workflow.signal
    def new_information(self, info: NewInformation) -> None:
        self.life.record("new_information", "national_review_suggested", "partnership team",
                         info.details)
        self.effect("new_information", details=info.details)

    def lifecycle_view(self) -> LifecycleView:
        view = self.life.view()
        view.step = self.state.phase if self.state.pause is None else f"paused ({self.state.phase})"
        return view

    def page_context(self) -> dict[str, str]:
        return self.msg.page_context()

