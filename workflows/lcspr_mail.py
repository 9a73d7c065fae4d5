"""What the LCSPR says, to whom. National bodies get the case reference, never personal data;
text people typed passes through `redact` on its way to them."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.deadlines import Deadline
    from domain.forms import link_page_context, national_context
    from domain.lcspr import LcsprInput, Pause, Publication, PublicationPlan, Reviewer, Workshop
    from domain.people import Recipient
    from domain.questions import Question

from workflows.lifecycle import Lifecycle

EXECUTIVE = ["partnership_chair", "independent_scrutineer", "lig_chair"]


class LcsprMessages:
    def __init__(self, life: Lifecycle, input: LcsprInput):
        self.life = life
        self.input = input
        self.base = {
            "child_initials": input.referral.child.initials,
            "decided_on": input.decided_on.isoformat(),
            "key_lines_of_enquiry": "\n".join(f"- {k}" for k in input.key_lines_of_enquiry)
            or "- to be set in the terms of reference",
            "partnership_code": input.profile.partnership.code,
        }

    def _national(self, *bodies: str) -> list[Recipient]:
        national = self.input.profile.national
        names = {"panel": ("National Panel", national.panel),
                 "dfe": ("Department for Education", national.dfe),
                 "ofsted": ("Ofsted", national.ofsted),
                 "nspcc": ("NSPCC national case review repository", national.nspcc)}
        return [Recipient(role=b, name=names[b][0], email=names[b][1]) for b in bodies]

    async def _to_national(self, template: str, step: str, bodies: tuple[str, ...],
                           context: dict[str, str]) -> None:
        context = national_context(context, self.input.referral)
        for recipient in self._national(*bodies):
            await self.life.send(template, f"{step}.{recipient.role}", recipient, context)

    def _team(self) -> tuple[str, str]:
        return "Partnership team", self.input.profile.partnership.team_email

    # --- contexts -------------------------------------------------------------------------------
    def agency_context(self, agency: str) -> dict[str, str]:
        return {**self.base, "agency": self.input.profile.agencies[agency].name}

    def page_context(self) -> dict[str, str]:
        return {**self.base, **link_page_context(self.input.referral)}

    # --- sends ------------------------------------------------------------------------------------
    async def commissioned(self) -> None:
        makers = [self.input.profile.decision_maker(p) for p in ("la", "police", "icb")]
        await self.life.send_to_roles("lcspr_commissioned", "lcspr.commissioned",
                                      [EXECUTIVE[0], *makers, *EXECUTIVE[1:]], self.base)

    async def reviewer_to_national_bodies(self, reviewer: Reviewer, replacing: bool) -> None:
        context = {**self.base, "reviewer_name": reviewer.name,
                   "replacing": "yes" if replacing else ""}
        n = len(self.life.state.decisions)
        await self._to_national("lcspr_reviewer_notice", f"lcspr.reviewer.{n}",
                                ("panel", "ofsted", "dfe"), context)

    async def submission_overdue(self, question: Question) -> None:
        agency_key = question.roles[0].removeprefix("agency:")
        agency = self.input.profile.agencies[agency_key]
        deadline = self.life.state.deadlines[question.deadline_key]
        context = {**self.base, "agency": agency.name, "what": deadline.label.lower(),
                   "due": deadline.due_at.isoformat()}
        step = f"{question.deadline_key}.overdue"
        await self.life.send_to_address("lcspr_submission_overdue", f"{step}.rep",
                                        "agency_lig_rep", agency.lig_representative.name,
                                        agency.lig_representative.email, context)
        await self.life.send_to_address("lcspr_submission_overdue", f"{step}.team", "team",
                                        *self._team(), context)

    async def overdue(self, key: str, waiting_for: str) -> None:
        await self.life.escalate(key, waiting_for, ["lig_chair"], self.base)

    async def workshop(self, workshop: Workshop, state: object) -> None:
        terms = getattr(state, "terms", None)
        context = {**self.base, "kind": workshop.kind.replace("_", " "),
                   "on": workshop.on.isoformat(), "place": workshop.place}
        step = f"lcspr.{workshop.kind}.{workshop.on.isoformat()}"
        for agency in (terms.agencies if terms else []):
            await self.life.send_to_roles("lcspr_workshop_invitation", step,
                                          [f"agency:{agency}"], context)
        reviewer = getattr(state, "reviewer", None)
        if reviewer is not None:
            await self.life.send_to_address("lcspr_workshop_invitation", f"{step}.reviewer",
                                            "reviewer", reviewer.name, reviewer.email, context)

    async def quality_assurance_request(self) -> None:
        n = len(self.life.state.decisions)
        await self.life.send_to_roles("lcspr_qa_request", f"lcspr.qa.{n}", ["lig_chair"],
                                      self.base)

    async def objection(self, objections: str) -> None:
        context = {**self.base, "objections": objections}
        n = len(self.life.state.decisions)
        await self.life.send_to_roles("lcspr_objection", f"lcspr.objection.{n}", ["lig_chair"],
                                      context)
        await self.life.send_to_address("lcspr_objection", f"lcspr.objection.{n}.team", "team",
                                        *self._team(), context)

    async def executive_request(self) -> None:
        await self.life.send_to_roles("lcspr_executive_request", "lcspr.executive",
                                      ["partnership_chair"], self.base)

    async def prepublication_notice(self, plan: PublicationPlan) -> None:
        context = {**self.base, "publish_on": plan.on.isoformat(),
                   "report_url": plan.report_url}
        await self._to_national("lcspr_prepublication_notice",
                                f"lcspr.prepublication.{plan.on.isoformat()}",
                                ("panel", "dfe", "ofsted"), context)

    async def improvements_only(self, publication: Publication) -> None:
        context = {**self.base, "justification": publication.justification,
                   "url": publication.url}
        await self._to_national("lcspr_improvements_only", "lcspr.improvements_only",
                                ("panel", "dfe"), context)

    async def nspcc(self, publication: Publication) -> None:
        context = {**self.base, "url": publication.url, "published_on": publication.on.isoformat()}
        await self._to_national("lcspr_nspcc", "lcspr.nspcc", ("nspcc",), context)

    async def paused(self, pause: Pause) -> None:
        context = {**self.base, "reason": pause.reason.replace("_", " "),
                   "details": pause.details}
        n = len(self.life.state.decisions)
        await self._to_national("lcspr_paused", f"lcspr.paused.{n}", ("panel", "dfe"), context)

    async def resumed(self, deadline: Deadline) -> None:
        context = {**self.base, "due": deadline.due_at.isoformat()}
        n = len(self.life.state.decisions)
        await self._to_national("lcspr_resumed", f"lcspr.resumed.{n}", ("panel", "dfe"), context)

    async def national_review_information(self, details: str) -> None:
        context = {**self.base, "details": details}
        n = len(self.life.state.decisions)
        await self._to_national("lcspr_new_information", f"lcspr.new_information.{n}",
                                ("panel",), context)
