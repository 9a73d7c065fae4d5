"""Plumbing every lifecycle workflow shares: deadlines, questions by link, mail, human waits.

Not a workflow itself: each lifecycle workflow owns one `Lifecycle` and one `LifecycleState`
and delegates to them, so the statutory logic in the workflow module reads as the procedure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.deadlines import compute_deadlines
    from activities.mail import Attachment, LinkSpec, MailActivities, OutgoingEmail
    from domain import search
    from domain.case import Decision, FailedMessage, LifecycleView
    from domain.deadlines import Deadline, DeadlineBatch, DeadlineRequest
    from domain.people import Recipient
    from domain.profile import Profile
    from domain.questions import (
        Answer,
        Link,
        Question,
        QuestionKind,
        QuestionView,
        live_links,
    )
    from domain.state import LifecycleState

# Cases started before the team was told about refused mail keep their recorded commands.
MAIL_FAILURE_PATCH = "mail-failure-to-team"

MAIL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    non_retryable_error_types=["SmtpPermanentFailure"],
)


class Lifecycle:
    def __init__(self, name: str, case_ref: str, profile: Profile, state: LifecycleState):
        self.name = name
        self.case_ref = case_ref
        self.profile = profile
        self.state = state

    # --- deadlines -------------------------------------------------------------------------
    async def plan(self, *requests: DeadlineRequest, replace: bool = False) -> list[Deadline]:
        """Compute deadlines once (in an activity) and keep them; a known key is never redone
        unless the caller means to (`replace`, e.g. a publication date planned again)."""
        todo = [r for r in requests if replace or r.key not in self.state.deadlines]
        if todo:
            result = await workflow.execute_local_activity(
                compute_deadlines,
                self.deadline_batch(todo),
                start_to_close_timeout=timedelta(seconds=10),
                summary="compute deadlines: " + ", ".join(r.key for r in todo),
            )
            for deadline in result.deadlines:
                self.state.deadlines[deadline.key] = deadline
            self.publish()
        return [self.state.deadlines[r.key] for r in requests]

    def deadline_batch(self, requests: list[DeadlineRequest]) -> DeadlineBatch:
        """What the deadline activity needs from this case's profile: its close of business
        and, for a demonstration profile only, its short working day."""
        seconds = self.working_day_seconds
        return DeadlineBatch(
            requests=requests,
            close_of_business=self.profile.partnership.close_of_business.isoformat(),
            working_day_seconds=seconds, now=workflow.now() if seconds else None)

    @property
    def working_day_seconds(self) -> int | None:
        clock = self.profile.demo_clock
        return clock.working_day_seconds if clock else None

    def complete(self, key: str, note: str | None = None, at: datetime | None = None) -> None:
        self.state.deadlines[key].complete(at or workflow.now(), note)
        self.publish()

    def publish(self) -> None:
        """Keep the UI's NextDeadline attribute on the earliest deadline still awaited: one
        missed and still not done keeps it in the past, so the case shows (and sorts) overdue."""
        pending = [d.due_at for d in self.state.deadlines.values()
                   if d.state == "pending" or (d.state == "missed" and d.completed_at is None)]
        update = (search.NEXT_DEADLINE.value_set(min(pending)) if pending
                  else search.NEXT_DEADLINE.value_unset())
        workflow.upsert_search_attributes([update])

    async def wait(self, condition: Callable[[], bool], deadline: Deadline, waiting_for: str,
                   until: str = "due") -> bool:
        """Wait for people until the deadline's instant; True if the condition came true."""
        instant = deadline.due_at if until == "due" else deadline.remind_at
        remaining = (instant - workflow.now()) if instant else timedelta(0)
        if remaining <= timedelta(0):
            return condition()
        try:
            await workflow.wait_condition(
                condition,
                timeout=remaining,
                timeout_summary=f"waiting for {waiting_for}, {until} {deadline.due_text}"
                if until == "due" else f"reminder to {waiting_for} before {deadline.due_text}",
            )
            return True
        except TimeoutError:
            return condition()

    async def escalate(self, key: str, waiting_for: str, roles: list[str],
                       context: dict[str, str]) -> None:
        """Mark a deadline missed and tell the team (and the given roles) what is awaited."""
        deadline = self.state.deadlines[key]
        deadline.miss()
        self.publish()
        context = {**context, "what": deadline.label, "waiting_for": waiting_for,
                   "due": deadline.due_at.isoformat()}
        # One deadline can be escalated for different things (meeting, then chair decision):
        # each is its own message, so its step (and Message-ID) names what is awaited.
        step = f"{key}.overdue.{'-'.join(waiting_for.split()[-2:])}"
        await self.send_to_address("step_overdue", f"{step}.team", "team", "Partnership team",
                                   self.profile.partnership.team_email, context)
        if roles:
            await self.send_to_roles("step_overdue", step, roles, context)

    async def answer_of(self, question: Question, waiting_for: str, context: dict[str, str],
                        roles: list[str] | None = None) -> Answer:
        """Wait for a question's answer until its deadline; escalate then, and go on waiting."""
        deadline = self.state.deadlines[question.deadline_key]
        if not await self.wait(lambda: question.status != "open", deadline, waiting_for):
            await self.escalate(deadline.key, waiting_for, roles or ["lig_chair"], context)
            await workflow.wait_condition(lambda: question.status != "open")
        assert question.answer is not None
        return question.answer

    def answered_by(self, question: Question) -> str:
        answer = question.answer
        if answer is None or answer.deemed:
            return "rule: no response by the due time"
        if answer.by is None:
            return answer.recorded_by or "partnership team"
        return f"{self.title(answer.by.role)} ({answer.by.name})"

    # --- people ------------------------------------------------------------------------------
    def recipients(self, role: str) -> list[tuple[Recipient, bool]]:
        """Who to write to for a role: its holder, or the deputies while the holder is absent."""
        spec = self.profile.role(role)
        if role in self.state.absent and spec.deputies:
            return [(Recipient(role=role, name=p.name, email=p.email), True) for p in spec.deputies]
        return [(Recipient(role=role, name=spec.holder.name, email=spec.holder.email), False)]

    def title(self, role: str) -> str:
        return self.profile.role(role).title

    def record(self, kind: str, choice: str, by: str, rationale: str = "",
               deemed: bool = False, at: datetime | None = None) -> Decision:
        decision = Decision(kind=kind, choice=choice, rationale=rationale, by=by,
                            at=at or workflow.now(), deemed=deemed)
        self.state.decisions.append(decision)
        return decision

    # --- mail ----------------------------------------------------------------------------------
    async def send(self, template: str, step: str, to: Recipient,
                   context: dict[str, str], link: LinkSpec | None = None,
                   attachments: list[Attachment] | None = None) -> None:
        try:
            sent = await workflow.execute_activity_method(
                MailActivities.send_email,
                OutgoingEmail(case_ref=self.case_ref, template=template, step=step, to=to,
                              link=link, context=context, attachments=attachments or []),
                start_to_close_timeout=timedelta(minutes=1),
                # A mail server refusing for two days is a failure to show, not to wait on.
                schedule_to_close_timeout=timedelta(days=2),
                retry_policy=MAIL_RETRY,
                summary=f"email {template} to {to.role}",
            )
        except ActivityError as err:
            # A permanent refusal: keep the case moving, make the failure visible and tell
            # the team, who can reach the person another way.
            cause = err.cause.message if err.cause and hasattr(err.cause, "message") else str(err)
            self.state.failed_messages.append(
                FailedMessage(template=template, to=to.email, error=cause))
            team = self.profile.partnership.team_email
            if to.email.lower() != team.lower() and workflow.patched(MAIL_FAILURE_PATCH):
                await self.send_to_address(
                    "mail_failed", f"{step}.failed", "team", "Partnership team", team,
                    {"failed_template": template, "failed_to": to.email,
                     "failed_role": to.role, "error": cause})
            return
        self.state.messages.append(sent)

    async def send_to_roles(self, template: str, step: str, roles: list[str],
                            context: dict[str, str]) -> None:
        sends = [
            self.send(template, f"{step}.{role}.{n}", person,
                      {**context, "acting_for": self.title(role) if deputy else ""})
            for role in roles
            for n, (person, deputy) in enumerate(self.recipients(role))
        ]
        await asyncio.gather(*sends)

    async def send_to_address(self, template: str, step: str, role: str, name: str,
                              email: str, context: dict[str, str]) -> None:
        await self.send(template, step, Recipient(role=role, name=name, email=email), context)

    # --- questions -------------------------------------------------------------------------
    async def ask(self, question_id: str, kind: QuestionKind, roles: list[str],
                  deadline_key: str, template: str, context: dict[str, str]) -> Question:
        question = self.state.book.ask(Question(
            id=question_id, kind=kind, roles=roles, deadline_key=deadline_key,
            template=template, context=context))
        await asyncio.gather(*(self._issue_links(question, role) for role in roles))
        return question

    async def _issue_links(self, question: Question, role: str) -> None:
        sends = []
        for person, deputy in self.recipients(role):
            link = Link(nonce=str(workflow.uuid4()), recipient=person, deputy=deputy)
            question.links.append(link)
            sends.append(self._send_link(question, link, question.template, "ask"))
        await asyncio.gather(*sends)

    async def _send_link(self, question: Question, link: Link, template: str,
                         purpose: str) -> None:
        context = {**question.context,
                   "acting_for": self.title(link.recipient.role) if link.deputy else "",
                   "due": self.state.deadlines[question.deadline_key].due_at.isoformat()}
        if purpose.startswith("resend"):
            context["resent"] = "yes"
        await self.send(template, f"{question.id}.{purpose}.{link.nonce}", link.recipient,
                        context, LinkSpec(question_id=question.id, nonce=link.nonce))

    async def remind(self, question: Question, template: str) -> None:
        live = [link for link in question.links if not link.superseded]
        await asyncio.gather(*(self._send_link(question, link, template, "remind")
                               for link in live))

    async def resend_links(self, role: str | None) -> None:
        """Send every open question's live links again, signed afresh: a link expires
        (LINK_MAX_AGE_DAYS) while a question can stay open longer, or an email goes astray.
        The nonces stay, so an earlier copy still works until its own expiry."""
        self.state.resends += 1
        purpose = f"resend{self.state.resends}"  # a new step, so a new email each time
        await asyncio.gather(*(
            self._send_link(question, link, question.template, purpose)
            for question, link in live_links(self.state.book.questions.values(), role)))

    async def mark_absent(self, role: str, absent: bool) -> None:
        """Hand a role's open questions to its deputies (or note the holder is back)."""
        if not absent:
            self.state.absent = [r for r in self.state.absent if r != role]
            return
        if role in self.state.absent or not self.profile.role(role).deputies:
            if role not in self.state.absent:
                self.state.absent.append(role)
            return
        self.state.absent.append(role)
        for question in self.state.book.supersede_role(role):
            await self._issue_links(question, role)

    def question_view(self, nonce: str, context: dict[str, str]) -> QuestionView:
        found = self.state.book.find(nonce)
        status = self.state.book.link_status(nonce)
        if not found:
            return QuestionView(status=status, case_ref=self.case_ref)
        question, link = found
        return QuestionView(
            status=status, kind=question.kind, question_id=question.id, case_ref=self.case_ref,
            recipient=link.recipient, choices=question.choices,
            due_at=self.state.deadlines[question.deadline_key].due_at,
            answer=question.answer, context={**context, **question.context},
        )

    def view(self) -> LifecycleView:
        return LifecycleView(
            name=self.name, workflow_id=workflow.info().workflow_id, case_ref=self.case_ref,
            step=self.state.step, deadlines=list(self.state.deadlines.values()),
            decisions=self.state.decisions, messages=self.state.messages,
            failed_messages=self.state.failed_messages,
            questions=list(self.state.book.questions.values()), absent_roles=self.state.absent,
        )
