"""The messages every lifecycle answers the same way, written once.

Updates (each validated before anything is written to history; each returns a receipt):
    answer(AnswerSignal) -> AnswerReceipt: a partner's answer posted through their link
    mark_absent(MarkAbsent) -> Receipt: a role's holder is away (their questions go to deputies)
    resend_links(ResendLinks) -> Receipt: open questions' links sent again, signed afresh
Queries: view() -> LifecycleView, question(QuestionLookup) -> QuestionView

The signals of the same names stay, with the behaviour they always had, for the cases already
running and the recorded histories: `ProcedureSignals` for the workflows that act in the
handler, `LoopSignals` for those whose event loop performs what a signal queues. A review's
own recordings, once signals, reach `recording_signal`, which runs the same pair of methods its
updates use (`recordings()`: what stops each, and what each does).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RawValue

with workflow.unsafe.imports_passed_through():
    from domain.case import LifecycleView, MarkAbsent, ResendLinks
    from domain.commands import AnswerReceipt, Receipt, refuse_if
    from domain.questions import (
        AnswerSignal,
        Question,
        QuestionLookup,
        QuestionView,
        live_links,
    )
    from domain.state import LifecycleState, LoopState

if TYPE_CHECKING:
    from workflows.event_loop import EventLoop
    from workflows.lifecycle import Lifecycle

S = TypeVar("S", bound=LifecycleState)
L = TypeVar("L", bound=LoopState)
A = TypeVar("A", bound=BaseModel)


class Recording(NamedTuple):
    """A recording a review takes from the team: what it is given, what stops it (a reason, or
    None) and what it does (saying, in a few words, what it recorded)."""

    arg: type[BaseModel]
    problem: Callable[[Any], str | None]
    apply: Callable[[Any], str]


class LifecycleHandlers(Generic[S]):
    life: Lifecycle
    state: S

    # --- what each review fills in ------------------------------------------------------------
    def on_answer(self, question: Question) -> None:
        """What the review does with an answer it has just accepted (record it, move on)."""

    def page_context(self) -> dict[str, str]:
        """What the page behind a link shows about the case, besides the question."""
        return {}

    def lifecycle_view(self) -> LifecycleView:
        return self.life.view()

    def recordings(self) -> dict[str, Recording]:
        """The review's recordings, by the names running cases were sent them as signals."""
        return {}

    # --- updates ----------------------------------------------------------------------------
    @workflow.update
    def answer(self, form: AnswerSignal) -> AnswerReceipt:
        since = len(self.state.messages)
        question = self.state.book.accept(self.state.book.as_posted(form), workflow.now())
        assert question is not None and question.answer is not None  # the validator checked
        self.on_answer(question)
        return AnswerReceipt(
            lifecycle=self.life.name, recorded=f"{question.id}: {question.answer.choice}",
            sent=self.state.messages[since:], question_id=question.id, answer=question.answer,
            deadlines=[self.state.deadlines[question.deadline_key]])

    @answer.validator
    def validate_answer(self, form: AnswerSignal) -> None:
        refuse_if(self.state.book.answer_problem(form))

    @workflow.update
    async def mark_absent(self, absence: MarkAbsent) -> Receipt:
        since = len(self.state.messages)
        await self.life.mark_absent(absence.role, absence.absent)
        return self.receipt(f"{absence.role} {'absent' if absence.absent else 'back'}",
                            since=since)

    @mark_absent.validator
    def validate_mark_absent(self, absence: MarkAbsent) -> None:
        roles = self.life.profile.roles
        refuse_if(None if absence.role in roles or absence.role.startswith("agency:") else
                  f"unknown role '{absence.role}'; roles are: {', '.join(roles)}")

    @workflow.update
    async def resend_links(self, request: ResendLinks) -> Receipt:
        since = len(self.state.messages)
        await self.life.resend_links(request.role)
        return self.receipt(f"links sent again to {request.role or 'everyone awaited'}",
                            since=since)

    @resend_links.validator
    def validate_resend_links(self, request: ResendLinks) -> None:
        questions = self.state.book.questions.values()
        if live_links(questions, request.role):
            return
        awaited = sorted({link.recipient.role for _, link in live_links(questions)})
        refuse_if(f"no open question awaits {request.role or 'anyone'} in the {self.life.name}"
                  + (f"; its open questions await: {', '.join(awaited)}" if awaited else ""))

    def receipt(self, recorded: str, *keys: str, since: int | None = None) -> Receipt:
        """`since`: how many messages the lifecycle had sent when the command came in (None
        for a command that sends nothing itself); `keys`: the deadlines it touched."""
        return Receipt(lifecycle=self.life.name, recorded=recorded,
                       sent=self.state.messages[since:] if since is not None else [],
                       deadlines=[self.state.deadlines[k] for k in keys
                                  if k in self.state.deadlines])

    # --- queries ----------------------------------------------------------------------------
    @workflow.query
    def view(self) -> LifecycleView:
        return self.lifecycle_view()

    @workflow.query
    def question(self, lookup: QuestionLookup) -> QuestionView:
        return self.life.question_view(lookup.nonce, self.page_context())

    # --- the signals running cases were built with ------------------------------------------
    @workflow.signal(dynamic=True)
    def recording_signal(self, name: str, args: Sequence[RawValue]) -> None:
        """A recording sent as the signal it was before it was an update: the same checks and
        the same effect, and a refusal noted on the case as it was then."""
        recording = self.recordings().get(name)
        if recording is None or len(args) != 1:
            return
        try:
            arg = workflow.payload_converter().from_payload(args[0].payload, recording.arg)
        except Exception:  # noqa: BLE001 - dropped, as the SDK drops a signal it cannot read
            workflow.logger.warning("dropped signal %s: its input does not fit", name)
            return
        problem = recording.problem(arg)
        if problem:
            self.state.refused.append(problem)
        else:
            recording.apply(arg)

    @workflow.signal(name="answer")
    def answer_signal(self, form: AnswerSignal) -> None:
        question = self.state.book.accept(form, workflow.now())
        if question is not None and question.answer is not None:
            self.on_answer(question)


class ProcedureSignals(LifecycleHandlers[S]):
    @workflow.signal(name="mark_absent")
    async def mark_absent_signal(self, absence: MarkAbsent) -> None:
        await self.life.mark_absent(absence.role, absence.absent)

    @workflow.signal(name="resend_links")
    async def resend_links_signal(self, request: ResendLinks) -> None:
        await self.life.resend_links(request.role)


class LoopSignals(LifecycleHandlers[L]):
    loop: EventLoop

    async def perform(self, apply: Callable[[A], str], arg: A) -> Receipt:
        """Record, then wait for the loop to perform what the recording asked for (letters,
        requests, deadlines), so the receipt lists what was sent."""
        since = len(self.state.messages)
        recorded = apply(arg)
        await self.loop.performed()
        return self.receipt(recorded, since=since)

    @workflow.signal(name="mark_absent")
    def mark_absent_signal(self, absence: MarkAbsent) -> None:
        self.loop.then("absent", lambda: self.life.mark_absent(absence.role, absence.absent))

    @workflow.signal(name="resend_links")
    def resend_links_signal(self, request: ResendLinks) -> None:
        self.loop.then("resend", lambda: self.life.resend_links(request.role))
