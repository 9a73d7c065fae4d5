"""What the rapid review says, to whom: contexts for its emails and the sends themselves.

Anything bound for a national body (Panel, Ofsted, DfE) carries the case reference and no
personal data: free text written by people passes through `redact` first.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.mail import Attachment, LinkSpec
    from domain.forms import national_context
    from domain.invitations import Invitee, meeting_invitees
    from domain.papers import PAPERS
    from domain.people import Recipient
    from domain.questions import Link, Question
    from domain.rapid_review import (
        CRITERIA,
        RECOMMENDATIONS,
        MeetingPlan,
        NotHeld,
        RapidReviewOutcome,
        RrInput,
    )
    from domain.state import RrState

from workflows.lifecycle import Lifecycle

PARTNER_ROLES_INVITED = ["lig_chair", "la_service_director", "police", "icb"]
# Cases that set a meeting before invitations went one per person keep their commands.
INVITATIONS_PATCH = "rr-invitations-per-person"


class RrMessages:
    def __init__(self, life: Lifecycle, input: RrInput):
        self.life = life
        self.input = input
        referral = input.referral
        self.base = {
            "child_initials": referral.child.initials,
            "anchor": "",  # the anchor's London date, once the first deadlines are computed
            "anchor_kind": "the local authority became aware of the incident"
            if input.anchor_kind == "aware" else "the notification was submitted",
            "incident": referral.incident_text,
        }

    @property
    def _state(self) -> RrState:
        assert isinstance(self.life.state, RrState)
        return self.life.state

    def _outcome(self) -> RapidReviewOutcome:
        outcome = self._state.outcome
        assert outcome is not None
        return outcome

    def by(self, question: Question) -> str:
        return self.life.answered_by(question)

    # --- contexts ------------------------------------------------------------------------------
    def scoping_context(self, agency: str) -> dict[str, str]:
        return {**self.base, "agency": self.input.profile.agencies[agency].name}

    def outcome_context(self, national: bool = False) -> dict[str, str]:
        context = self._outcome_context()
        return national_context(context, self.input.referral) if national else context

    def _outcome_context(self) -> dict[str, str]:
        outcome = self._outcome()
        return {
            **self.base,
            "held_on": outcome.held_on.isoformat(),
            "recommendation": outcome.recommendation,
            "recommendation_text": RECOMMENDATIONS[outcome.recommendation],
            "criteria_met": "\n".join(f"- {CRITERIA[c]}" for c in outcome.criteria)
            or "- none of the criteria",
            "key_lines_of_enquiry": "\n".join(f"- {line}"
                                              for line in outcome.key_lines_of_enquiry) or "- none",
            "reasons": outcome.reasons,
            "immediate_safeguarding": "yes" if outcome.immediate_safeguarding_needed else "no",
            "immediate_safeguarding_details": outcome.immediate_safeguarding_details,
            "legal_advice": "yes" if outcome.legal_advice_sought else "no",
            "reviewer_name": outcome.reviewer_name or "not yet appointed",
            "participants": "\n".join(
                f"- {self.input.profile.agencies[p.agency].name}{', ' + p.role if p.role else ''}"
                for p in outcome.participants),
            "partnership_code": self.input.profile.partnership.code,
        }

    def page_context(self) -> dict[str, str]:
        """Shown behind a valid link only: agencies need the details to search their records."""
        referral, child = self.input.referral, self.input.referral.child
        context = {
            **self.base,
            "child_name": f"{child.first_name} {child.last_name}",
            "child_dob": child.date_of_birth.isoformat(),
            "child_address": child.address or "not given",
            "family": "\n".join(
                f"{m.name} ({m.relationship}"
                f"{', born ' + m.date_of_birth.isoformat() if m.date_of_birth else ''})"
                for m in referral.family) or "none listed",
            "case_outline": referral.case_outline,
            "aware_on": referral.aware_on.isoformat(),
        }
        if self._state.outcome is not None:
            context.update(self.outcome_context())
        return context

    # --- sends ---------------------------------------------------------------------------------
    def _meeting_context(self, plan: MeetingPlan) -> dict[str, str]:
        return {**self.base, "meeting_on": plan.on.isoformat(),
                "meeting_at": plan.at.strftime("%H:%M"), "place": plan.place}

    def invitees(self) -> list[Invitee]:
        """One per person: the partners' representatives and the involved agencies' (or
        the deputies of those absent), and the team's own copy."""
        profile = self.input.profile
        agencies = [k for k in self.input.referral.agencies_involved if k in profile.agencies]
        people = meeting_invitees(profile, PARTNER_ROLES_INVITED, agencies, self._state.absent)
        team = profile.partnership.team_email
        if all(p.person.email.lower() != team.lower() for p in people):
            people.append(Invitee(
                person=Recipient(role="team", name="Partnership team", email=team),
                capacities=["the partnership team (your copy)"]))
        return people

    async def invitations(self, plan: MeetingPlan) -> None:
        if not workflow.patched(INVITATIONS_PATCH):
            return await self._invitations_per_role(plan)
        state = self._state
        state.invited_before_settled = not state.scoping_settled
        context = {**self._meeting_context(plan),
                   "papers_complete": "yes" if state.scoping_settled else "no"}
        step = f"rr.invitation.{plan.on.isoformat()}.{plan.at.strftime('%H%M')}"
        await asyncio.gather(*(self._to_invitee("rr_meeting_invitation", step, invitee, context)
                               for invitee in self.invitees()))

    async def papers_complete(self) -> None:
        """Once the scoping has settled, tell those invited before it did that the papers
        are complete (an invitation sent after it says so itself)."""
        state = self._state
        await workflow.wait_condition(lambda: state.meeting is not None
                                      or state.outcome is not None or state.not_held is not None)
        plan = state.meeting
        if plan is None or not state.invited_before_settled or state.outcome is not None:
            return
        scoping = [q for q in state.book.questions.values() if q.kind == "scoping_return"]
        awaited = [self.input.profile.agencies[q.roles[0].removeprefix("agency:")].name
                   for q in scoping if q.status == "open"]
        summary = f"{len(scoping) - len(awaited)} of {len(scoping)} agencies have replied"
        if awaited:
            summary += f"; still awaited, and now overdue: {', '.join(awaited)}"
        context = {**self._meeting_context(plan), "returns_summary": summary}
        step = f"rr.papers.{plan.on.isoformat()}.{plan.at.strftime('%H%M')}"
        await asyncio.gather(*(self._to_invitee("rr_meeting_papers", step, invitee, context)
                               for invitee in self.invitees()))

    async def _to_invitee(self, template: str, step: str, invitee: Invitee,
                          context: dict[str, str]) -> None:
        link = self._papers_link(invitee.person)
        await self.life.send(template, step, invitee.person,
                             {**context, "capacities": "; ".join(invitee.capacities),
                              "acting_for": ", ".join(invitee.deputy_for)},
                             LinkSpec(question_id=PAPERS, nonce=link.nonce, page="papers"))

    def _papers_link(self, person: Recipient) -> Link:
        """The person's one papers link, kept across a rescheduled meeting."""
        for link in self._state.papers:
            if link.recipient.email.lower() == person.email.lower():
                return link
        link = Link(nonce=str(workflow.uuid4()), recipient=person)
        self._state.papers.append(link)
        return link

    async def _invitations_per_role(self, plan: MeetingPlan) -> None:
        """Before INVITATIONS_PATCH: per role and per agency, so one person could get two."""
        context = self._meeting_context(plan)
        step = f"rr.meeting.{plan.on.isoformat()}.{plan.at.strftime('%H%M')}"
        agencies = self.input.profile.agencies
        await asyncio.gather(
            self.life.send_to_roles("rr_meeting_invitation", step, PARTNER_ROLES_INVITED, context),
            *(self.life.send_to_address("rr_meeting_invitation", f"{step}.{key}",
                                        f"agency:{key}", agencies[key].lig_representative.name,
                                        agencies[key].lig_representative.email, context)
              for key in self.input.referral.agencies_involved if key in agencies))

    async def scoping_overdue(self, agency_key: str) -> None:
        agency = self.input.profile.agencies[agency_key]
        deadline = self._state.deadlines[f"rr.scoping_returns.{agency_key}"]
        context = {**self.base, "agency": agency.name, "due": deadline.due_at.isoformat()}
        step = f"rr.scoping_returns.{agency_key}.overdue"
        await self.life.send_to_address("rr_scoping_overdue", f"{step}.rep", "agency_lig_rep",
                                        agency.lig_representative.name,
                                        agency.lig_representative.email, context)
        await self.life.send_to_address("rr_scoping_overdue", f"{step}.team", "team",
                                        "Partnership team",
                                        self.input.profile.partnership.team_email, context)

    async def overdue(self, key: str, waiting_for: str, roles: list[str] | None = None) -> None:
        await self.life.escalate(key, waiting_for, ["lig_chair"] if roles is None else roles,
                                 self.base)

    async def objection(self, objections: str) -> None:
        context = {**self.outcome_context(), "objections": objections}
        step = f"rr.objection.{self._state.outcome_version}"
        await self.life.send_to_roles("rr_objection", step, ["lig_chair"], context)
        await self.life.send_to_address("rr_objection", f"{step}.team", "team",
                                        "Partnership team",
                                        self.input.profile.partnership.team_email, context)

    async def submission(self) -> None:
        national = self.input.profile.national
        context = self.outcome_context(national=True)
        await self.life.send(
            "rr_panel_submission", "rr.submission.panel",
            self._national("panel", "National Panel", national.panel), context,
            attachments=[Attachment(filename="rapid-review.html", template="rr_document")])
        await asyncio.gather(*(
            self.life.send("rr_decision_notice", f"rr.submission.{body}",
                           self._national(body, name, address), context)
            for body, name, address in (("ofsted", "Ofsted", national.ofsted),
                                        ("dfe", "Department for Education", national.dfe))))

    async def local_outcome(self) -> None:
        context = self.outcome_context()
        referrer = self.input.referral.referrer
        await asyncio.gather(
            self.life.send_to_roles("rr_outcome_local", "rr.outcome",
                                    ["independent_scrutineer", "lig_chair"], context),
            self.life.send_to_address("rr_outcome_local", "rr.outcome.referrer", "referrer",
                                      referrer.name, referrer.email, context),
            *(self.life.send_to_roles("rr_outcome_local", "rr.outcome", [f"agency:{key}"],
                                      context)
              for key in self.input.referral.agencies_involved
              if key in self.input.profile.agencies))

    async def not_held(self, decision: NotHeld) -> None:
        national = self.input.profile.national
        context = {**self.base, "rationale": decision.rationale,
                   "partnership_code": self.input.profile.partnership.code}
        await self.life.send("rr_not_held_panel", "rr.not_held.panel",
                             self._national("panel", "National Panel", national.panel),
                             national_context(context, self.input.referral))
        await self.life.send_to_roles("rr_not_held_oversight", "rr.not_held",
                                      ["independent_scrutineer", "lig_chair"], context)

    @staticmethod
    def _national(role: str, name: str, email: str) -> Recipient:
        return Recipient(role=role, name=name, email=email)
