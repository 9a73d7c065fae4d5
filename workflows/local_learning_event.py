"""LocalLearningEventWorkflow: a learning event below the SIN threshold (SPEC §6).

The LIG agrees terms of reference (two co-leads from the partners, key lines of enquiry, a
desktop review and/or a practitioner workshop); agencies are asked for information by link and
reminded; practitioners are invited to the workshop; the LIG decides whether the family
contributes (with the police where criminal proceedings are pending). The report is due for
approval four months after the LIG's decision (`lle.report`); the LIG quality-assures it, the
Executive approves it and the learning is disseminated. New information suggesting the SIN
criteria are met ends the event: the case returns to the SIN decision.

Signals: record_terms(LleTerms), schedule_workshop(LleWorkshop), record_family(FamilyContribution),
         record_report(ReportReady), record_qa(LleQualityAssurance),
         record_executive(LleExecutive), record_dissemination(Dissemination),
         sin_information(SinInformation)
Updates: every lifecycle's answer, mark_absent and resend_links (workflows/handlers.py)
Queries: view() -> LifecycleView, question(QuestionLookup) -> QuestionView
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.case import LifecycleView
    from domain.commands import Receipt, refuse_if
    from domain.deadlines import DeadlineRequest
    from domain.forms import link_page_context
    from domain.local_learning_event import (
        METHODOLOGIES,
        Dissemination,
        FamilyContribution,
        LleExecutive,
        LleInput,
        LlePhase,
        LleQualityAssurance,
        LleResult,
        LleTerms,
        LleWorkshop,
        ReportReady,
        SinInformation,
    )
    from domain.questions import Question
    from domain.state import LleState

from workflows.event_loop import EventLoop
from workflows.handlers import LoopSignals, Recording
from workflows.lifecycle import Lifecycle
from workflows.lig_triage import REPRESENTATIVES


@workflow.defn
class LocalLearningEventWorkflow(LoopSignals[LleState]):
    @workflow.init
    def __init__(self, input: LleInput) -> None:
        self.input = input
        self.state = LleState(absent=list(input.absent_roles))
        self.life = Lifecycle("local-learning-event", input.case_ref, input.profile, self.state)
        self.loop = EventLoop(self.state, lambda key: key.startswith("lle."))
        self.base = {"child_initials": input.referral.child.initials,
                     "decided_on": input.decided_at.date().isoformat()}

    @workflow.run
    async def run(self, input: LleInput) -> LleResult:
        state = self.state
        self.loop.then("start", self.start)
        while state.phase not in ("approved", "sin_referred") or self.loop.queue:
            await self.loop.perform_queued()
            for _, key, kind in self.loop.due_now():
                await self.act_on(key, kind)
            if state.phase not in ("approved", "sin_referred"):
                await self.loop.wait_for_work()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return LleResult(outcome="approved" if state.phase == "approved" else "sin_criteria_met",
                         approved_at=workflow.now() if state.phase == "approved" else None,
                         sin_information=state.sin_information)

    # --- the clock ----------------------------------------------------------------------------
    async def act_on(self, key: str, kind: str) -> None:
        life, leads = self.life, self.co_leads()
        if key == "lle.report":
            if kind == "remind":
                await life.send_to_roles("lle_report_reminder", "lle.report.remind", leads,
                                         self.context())
            else:
                await life.escalate(key, "the learning event report", ["lig_chair", *leads],
                                    self.context())
            return
        question = next((q for q in self.state.book.open_questions()
                         if q.deadline_key == key), None)
        if question is None:
            return
        if kind == "remind":
            await life.remind(question, "lle_information_reminder")
        else:
            agency = self.input.profile.agencies[key.rsplit(".", 1)[1]].name
            await life.escalate(key, f"information from {agency}",
                                ["lig_chair", *question.roles], self.context())

    def co_leads(self) -> list[str]:
        return self.state.terms.co_leads if self.state.terms else []

    def context(self, **extra: str) -> dict[str, str]:
        report = self.state.deadlines.get("lle.report")
        terms = self.state.terms
        return {**self.base, "report_due": report.due_at.isoformat() if report else "",
                "methodology": METHODOLOGIES[terms.methodology] if terms else "",
                "key_lines_of_enquiry": "\n".join(f"- {k}" for k in terms.key_lines_of_enquiry)
                if terms else "", "co_leads": " and ".join(
                    self.life.title(lead) for lead in self.co_leads()), **extra}

    # --- work the recordings queue (performed by the loop) -----------------------------------
    async def start(self) -> None:
        await self.life.plan(DeadlineRequest(key="lle.report", base_instant=self.input.decided_at,
                                             remind_working_days_before=10))
        self.life.record("lle_commissioned", "local_learning_event", "LIG",
                         f"decided {self.base['decided_on']}")
        await self.life.send_to_roles("lle_commissioned", "lle.commissioned", REPRESENTATIVES,
                                      self.context())

    async def request_information(self) -> None:
        terms = self.state.terms
        assert terms is not None
        await self.life.send_to_roles("lle_terms_agreed", "lle.terms", terms.co_leads,
                                      self.context())
        await self.life.plan(*(DeadlineRequest(key=f"lle.information.{agency}",
                                               base=terms.information_due,
                                               remind_working_days_before=1)
                               for agency in terms.agencies))
        for agency in terms.agencies:
            await self.life.ask(f"information:{agency}", "agency_submission",
                                [f"agency:{agency}"], f"lle.information.{agency}",
                                "lle_information_request",
                                self.context(agency=self.input.profile.agencies[agency].name))

    async def invite_to_workshop(self, workshop: LleWorkshop) -> None:
        terms = self.state.terms
        assert terms is not None
        step = f"lle.workshop.{workshop.on.isoformat()}"
        context = self.context(on=workshop.on.isoformat(), place=workshop.place)
        await self.life.send_to_roles("lle_workshop_invitation", step,
                                      [f"agency:{a}" for a in terms.agencies], context)
        await self.life.send_to_roles("lle_workshop_invitation", f"{step}.leads", terms.co_leads,
                                      context)

    async def ask_for_quality_assurance(self) -> None:
        await self.life.send_to_roles("lle_qa_request", f"lle.qa.{len(self.state.decisions)}",
                                      ["lig_chair"], self.context())

    async def return_report(self, by: str, comments: str) -> None:
        await self.life.send_to_roles(
            "lle_report_returned", f"lle.returned.{len(self.state.decisions)}", self.co_leads(),
            self.context(by=by, comments=comments))

    async def ask_the_executive(self) -> None:
        await self.life.send_to_roles("lle_executive_request", "lle.executive",
                                      ["partnership_chair"], self.context())

    async def share_learning(self, methods: str) -> None:
        await self.life.send_to_roles("lle_learning_shared", "lle.disseminated", REPRESENTATIVES,
                                      self.context(methods=methods))
        await self.life.send_to_address("lle_learning_shared", "lle.disseminated.team", "team",
                                        "Partnership team",
                                        self.input.profile.partnership.team_email,
                                        self.context(methods=methods))

    async def tell_of_sin_information(self, details: str) -> None:
        context = self.context(details=details)
        await self.life.send_to_roles("lle_sin_information", "lle.sin_information",
                                      REPRESENTATIVES, context)
        await self.life.send_to_address("lle_sin_information", "lle.sin_information.team",
                                        "team", "Partnership team",
                                        self.input.profile.partnership.team_email, context)


    # --- recordings: what stops each, and what each does -----------------------------------
    def phase_problem(self, *phases: LlePhase) -> str | None:
        return None if self.state.phase in phases else \
            f"not expected now (phase: {self.state.phase})"

    def close_open(self, reason: str, *keys: str) -> None:
        """Close the open requests (and waive their deadlines, and any named): not awaited."""
        for question in self.state.book.open_questions():
            self.state.book.close(question.id, reason)
            keys = (*keys, question.deadline_key)
        for key in keys:
            deadline = self.state.deadlines.get(key)
            if deadline and deadline.state == "pending":
                deadline.waive(reason)
        self.life.publish()

    def on_answer(self, question: Question) -> None:
        if question.answer is not None:
            self.life.complete(question.deadline_key, at=question.answer.at)
            self.life.record("agency_information", question.id, self.life.answered_by(question),
                             question.answer.fields.get("document_reference", ""),
                             at=question.answer.at)

    def record_terms_problem(self, terms: LleTerms) -> str | None:
        report = self.state.deadlines.get("lle.report")
        return self.phase_problem("terms") or terms.check_against(
            self.input.profile, workflow.now().date(),
            report.due if report else terms.information_due)

    def apply_record_terms(self, terms: LleTerms) -> str:
        self.state.terms, self.state.phase = terms, "information"
        self.life.record("lle_terms_of_reference", terms.methodology, "LIG",
                         "; ".join(terms.key_lines_of_enquiry))
        self.loop.then("terms", self.request_information)
        return f"terms of reference ({terms.methodology}); information requested"

    def schedule_workshop_problem(self, workshop: LleWorkshop) -> str | None:
        terms = self.state.terms
        if problem := self.phase_problem("information"):
            return problem
        if terms is None or not terms.has_workshop:
            return "the terms of reference have no practitioner workshop (methodology: " \
                   "desktop_review)"
        if workshop.on < workflow.now().date():
            return f"on: {workshop.on} is in the past"
        return None

    def apply_schedule_workshop(self, workshop: LleWorkshop) -> str:
        self.state.workshops.append(workshop)
        self.life.record("lle_workshop", workshop.on.isoformat(), "partnership team",
                         workshop.place)
        self.loop.then("workshop", lambda: self.invite_to_workshop(workshop))
        return f"workshop on {workshop.on}"

    def record_family_problem(self, family: FamilyContribution) -> str | None:
        if problem := self.phase_problem("terms", "information"):
            return problem
        pending = (self.input.referral.criminal_investigation in ("yes", "possible")
                   or (self.state.terms is not None
                       and self.state.terms.criminal_proceedings_pending))
        if pending and family.sought and not family.police_consulted:
            return ("criminal proceedings may be pending: consult the police before seeking "
                    "the family's contribution (police_consulted)")
        return None

    def apply_record_family(self, family: FamilyContribution) -> str:
        self.state.family = family
        choice = "sought" if family.sought else "not_sought"
        self.life.record("lle_family_contribution", choice, "LIG", family.rationale)
        return f"the family's contribution: {choice}"

    def record_report_problem(self, report: ReportReady) -> str | None:
        if problem := self.phase_problem("information"):
            return problem
        if self.state.family is None:
            return "record the LIG's decision on the family's contribution before the report"
        if "lle.report" not in self.state.deadlines:
            return "the event is still starting; try again"
        return None

    def apply_record_report(self, report: ReportReady) -> str:
        self.life.complete("lle.report")
        self.close_open("the report was written without it")
        self.state.phase = "quality_assurance"
        self.life.record("lle_report_ready", "ready for approval", "co-leads", report.summary)
        self.loop.then("report", self.ask_for_quality_assurance)
        return "the report is ready; sent to the LIG for quality assurance"

    def record_qa_problem(self, qa: LleQualityAssurance) -> str | None:
        return self.phase_problem("quality_assurance")

    def apply_record_qa(self, qa: LleQualityAssurance) -> str:
        self.life.record("lle_quality_assurance", qa.outcome, "LIG", qa.comments)
        if qa.outcome == "assured":
            self.state.phase = "executive_approval"
            self.loop.then("executive", self.ask_the_executive)
        else:
            self.send_back("the LIG (quality assurance)", qa.comments)
        return f"quality assurance: {qa.outcome}"

    def record_executive_problem(self, decision: LleExecutive) -> str | None:
        return self.phase_problem("executive_approval")

    def apply_record_executive(self, decision: LleExecutive) -> str:
        choice = "approved" if decision.approved else "not_approved"
        self.life.record("lle_executive_approval", choice, "Executive", decision.notes)
        if decision.approved:
            self.state.phase = "dissemination"
        else:
            self.send_back("the Executive", decision.notes)
        return f"the Executive: {choice}"

    def send_back(self, by: str, comments: str) -> None:
        """The report goes back to the co-leads, the event to gathering information."""
        self.state.phase = "information"
        self.loop.then("returned", lambda: self.return_report(by, comments))

    def record_dissemination_problem(self, record: Dissemination) -> str | None:
        return self.phase_problem("dissemination")

    def apply_record_dissemination(self, record: Dissemination) -> str:
        methods = ", ".join(record.methods)
        self.life.record("lle_learning_disseminated", methods, "partnership team", record.notes)
        self.state.phase = "approved"
        self.loop.then("disseminated", lambda: self.share_learning(methods))
        return f"learning shared: {methods}"

    def sin_information_problem(self, info: SinInformation) -> str | None:
        problem = self.phase_problem("terms", "information", "quality_assurance",
                                     "executive_approval")
        if not problem and info.learned_on > workflow.now().date():
            return f"learned_on: {info.learned_on} is in the future"
        return problem

    def apply_sin_information(self, info: SinInformation) -> str:
        self.state.sin_information, self.state.phase = info, "sin_referred"
        self.life.record("lle_sin_information", "sin_criteria_may_be_met", "partnership team",
                         info.details)
        self.close_open("the case returned to the SIN decision", "lle.report")
        self.loop.then("sin_information", lambda: self.tell_of_sin_information(info.details))
        return "information suggesting the SIN criteria are met: back to the SIN decision"

    def recordings(self) -> dict[str, Recording]:
        return {
            "record_terms": Recording(LleTerms, self.record_terms_problem,
                                      self.apply_record_terms),
            "schedule_workshop": Recording(LleWorkshop, self.schedule_workshop_problem,
                                           self.apply_schedule_workshop),
            "record_family": Recording(FamilyContribution, self.record_family_problem,
                                       self.apply_record_family),
            "record_report": Recording(ReportReady, self.record_report_problem,
                                       self.apply_record_report),
            "record_qa": Recording(LleQualityAssurance, self.record_qa_problem,
                                   self.apply_record_qa),
            "record_executive": Recording(LleExecutive, self.record_executive_problem,
                                          self.apply_record_executive),
            "record_dissemination": Recording(Dissemination, self.record_dissemination_problem,
                                              self.apply_record_dissemination),
            "sin_information": Recording(SinInformation, self.sin_information_problem,
                                         self.apply_sin_information),
        }

    # --- updates ------------------------------------------------------------------------------
    @workflow.update
    async def record_terms(self, terms: LleTerms) -> Receipt:
        return await self.perform(self.apply_record_terms, terms)

    @record_terms.validator
    def validate_record_terms(self, terms: LleTerms) -> None:
        refuse_if(self.record_terms_problem(terms))

    @workflow.update
    async def schedule_workshop(self, workshop: LleWorkshop) -> Receipt:
        return await self.perform(self.apply_schedule_workshop, workshop)

    @schedule_workshop.validator
    def validate_schedule_workshop(self, workshop: LleWorkshop) -> None:
        refuse_if(self.schedule_workshop_problem(workshop))

    @workflow.update
    async def record_family(self, family: FamilyContribution) -> Receipt:
        return await self.perform(self.apply_record_family, family)

    @record_family.validator
    def validate_record_family(self, family: FamilyContribution) -> None:
        refuse_if(self.record_family_problem(family))

    @workflow.update
    async def record_report(self, report: ReportReady) -> Receipt:
        return await self.perform(self.apply_record_report, report)

    @record_report.validator
    def validate_record_report(self, report: ReportReady) -> None:
        refuse_if(self.record_report_problem(report))

    @workflow.update
    async def record_qa(self, qa: LleQualityAssurance) -> Receipt:
        return await self.perform(self.apply_record_qa, qa)

    @record_qa.validator
    def validate_record_qa(self, qa: LleQualityAssurance) -> None:
        refuse_if(self.record_qa_problem(qa))

    @workflow.update
    async def record_executive(self, decision: LleExecutive) -> Receipt:
        return await self.perform(self.apply_record_executive, decision)

    @record_executive.validator
    def validate_record_executive(self, decision: LleExecutive) -> None:
        refuse_if(self.record_executive_problem(decision))

    @workflow.update
    async def record_dissemination(self, record: Dissemination) -> Receipt:
        return await self.perform(self.apply_record_dissemination, record)

    @record_dissemination.validator
    def validate_record_dissemination(self, record: Dissemination) -> None:
        refuse_if(self.record_dissemination_problem(record))

    @workflow.update
    async def sin_information(self, info: SinInformation) -> Receipt:
        return await self.perform(self.apply_sin_information, info)

    @sin_information.validator
    def validate_sin_information(self, info: SinInformation) -> None:
        refuse_if(self.sin_information_problem(info))

    def lifecycle_view(self) -> LifecycleView:
        view = self.life.view()
        view.step = self.state.phase
        return view

    def page_context(self) -> dict[str, str]:
        return {**self.context(), **link_page_context(self.input.referral)}
