"""Questions put to people through links, and their answers.

A question belongs to one role (e.g. "police"); each person asked on that role's behalf gets
their own link, identified by a nonce. The first valid answer closes the question for every
link; anything after it is recorded as a duplicate and changes nothing. A link whose holder was
replaced by a deputy is superseded. The state machine is here, in plain code, so workflows and
unit tests share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from domain.forms import form_for, form_problems
from domain.people import Recipient

QuestionKind = Literal[
    "initial_view", "partner_response", "chair_decision", "sin_reference",
    "scoping_return", "ratification", "endorsement", "agency_submission", "approval",
    "lig_route", "dispute_decision",
]
QuestionStatus = Literal["open", "answered", "closed"]
LinkStatus = Literal["open", "answered", "closed", "superseded", "unknown"]

CHOICES: dict[QuestionKind, tuple[str, ...]] = {
    "initial_view": ("notify", "do_not_notify"),
    "partner_response": ("agree", "disagree"),
    "chair_decision": ("notify", "do_not_notify"),
    "sin_reference": ("submitted",),
    "scoping_return": ("returned", "not_known"),
    "ratification": ("ratify", "object"),
    "endorsement": ("endorse", "concerns"),
    "agency_submission": ("submitted",),
    "approval": ("approve", "object"),
    "lig_route": ("lig_discussion", "leads_meeting", "no_further_action"),
    "dispute_decision": ("local_learning_event", "other_workstream", "single_agency_learning",
                         "no_further_action"),
}

# Choices a person must explain; elsewhere the rationale is optional.
NEEDS_RATIONALE = {"notify", "do_not_notify", "agree", "disagree", "object", "concerns",
                   "no_further_action", "local_learning_event", "other_workstream",
                   "single_agency_learning"}


class Link(BaseModel):
    nonce: str
    recipient: Recipient  # recipient.role is the role answered for, also when a deputy
    deputy: bool = False
    superseded: bool = False


class AnswerSignal(BaseModel):
    """What the web app sends when someone posts the form behind their link."""

    nonce: str
    choice: str
    rationale: str = ""
    reference: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)  # a form's content, e.g. scoping
    # From the link's signed claims: the question it was sent for, and to whom. The workflow
    # checks them, so the page needs not ask it first.
    question_id: str | None = None
    recipient: str | None = None


class Answer(BaseModel):
    choice: str
    rationale: str
    reference: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    by: Recipient | None = None  # None when a rule or an operator recorded it
    recorded_by: str | None = None  # the operator, when recorded on someone's behalf
    at: datetime
    deemed: bool = False


class Question(BaseModel):
    id: str
    kind: QuestionKind
    roles: list[str]  # whose answer this is; any one person asked may give it
    deadline_key: str
    template: str  # the email that asked it, re-sent to deputies and as reminders
    context: dict[str, str] = Field(default_factory=dict)
    links: list[Link] = Field(default_factory=list)
    status: QuestionStatus = "open"
    answer: Answer | None = None
    closed_reason: str | None = None

    @property
    def choices(self) -> tuple[str, ...]:
        return CHOICES[self.kind]

    def link(self, nonce: str) -> Link | None:
        return next((link for link in self.links if link.nonce == nonce), None)


class Duplicate(BaseModel):
    nonce: str
    at: datetime
    reason: str


class QuestionBook(BaseModel):
    """All questions of one lifecycle, keyed by question id."""

    questions: dict[str, Question] = Field(default_factory=dict)
    rejected: list[Duplicate] = Field(default_factory=list)

    def ask(self, question: Question) -> Question:
        self.questions[question.id] = question
        return question

    def find(self, nonce: str) -> tuple[Question, Link] | None:
        for question in self.questions.values():
            link = question.link(nonce)
            if link:
                return question, link
        return None

    def link_status(self, nonce: str) -> LinkStatus:
        found = self.find(nonce)
        if not found:
            return "unknown"
        question, link = found
        if question.status != "open":
            return question.status
        return "superseded" if link.superseded else "open"

    @staticmethod
    def _invalid(question: Question, choice: str, reference: str | None) -> str | None:
        if choice not in question.choices:
            return f"choice '{choice}' is not one of {', '.join(question.choices)}"
        if question.kind == "sin_reference" and not (reference or "").strip():
            return "a submission reference is required"
        return None

    def answer_problem(self, form: AnswerSignal) -> str | None:
        """Why an answer posted through a link cannot be recorded, in words for the person
        who posted it; None when it can. The rules of every answer, in one place."""
        found = self.find(form.nonce)
        status = self.link_status(form.nonce)
        if found and not _bound(*found, form):
            return "This link is not valid for this question."
        if not found or status != "open":
            return f"This question is no longer open to this link (it is {status})."
        question = found[0]
        if form.choice not in question.choices:
            return "Please choose one of the options."
        if question.kind == "sin_reference":
            return None if (form.reference or "").strip() else \
                "Please enter the submission reference."
        if form.choice in NEEDS_RATIONALE and not form.rationale.strip():
            return "Please give your rationale."
        problems = form_problems(question.kind, form.choice, form.fields)
        return " ".join(problems) if problems else None

    def as_posted(self, form: AnswerSignal) -> AnswerSignal:
        """The answer with only the fields its question's form has: a page posts what it
        likes, the record keeps what was asked."""
        found = self.find(form.nonce)
        if not found:
            return form
        asked = {f.name for f in form_for(found[0].kind, form.choice)}
        return form.model_copy(update={"fields": {name: value for name, value
                                                  in form.fields.items() if name in asked}})

    def accept(self, signal: AnswerSignal, at: datetime) -> Question | None:
        """Record an answer if the link is open and the answer valid; else note why not."""
        found = self.find(signal.nonce)
        status = self.link_status(signal.nonce)
        if not found or status != "open":
            problem: str | None = f"link is {status}"
        else:
            problem = self._invalid(found[0], signal.choice, signal.reference)
        if problem or not found:
            self.rejected.append(Duplicate(nonce=signal.nonce, at=at, reason=problem or ""))
            return None
        question, link = found
        question.answer = Answer(
            choice=signal.choice,
            rationale=signal.rationale.strip(),
            reference=(signal.reference or "").strip() or None,
            fields={k: v.strip() for k, v in signal.fields.items()},
            by=link.recipient,
            at=at,
        )
        question.status = "answered"
        return question

    def deem(self, question_id: str, choice: str, rationale: str, at: datetime) -> Question:
        """Apply a rule in place of an answer (e.g. silence taken as agreement)."""
        question = self.questions[question_id]
        if question.status != "open":
            raise ValueError(f"question {question_id} is {question.status}; nothing to deem")
        question.answer = Answer(choice=choice, rationale=rationale, at=at, deemed=True)
        question.status = "answered"
        return question

    def record_for(self, question_id: str, choice: str, rationale: str, at: datetime,
                   recorded_by: str, reference: str | None = None) -> Question | None:
        """An operator records the answer on the role's behalf (e.g. given by phone)."""
        question = self.questions.get(question_id)
        if (not question or question.status != "open"
                or self._invalid(question, choice, reference)):
            return None
        question.answer = Answer(choice=choice, rationale=rationale,
                                 reference=(reference or "").strip() or None,
                                 recorded_by=recorded_by, at=at)
        question.status = "answered"
        return question

    def close(self, question_id: str, reason: str) -> None:
        question = self.questions[question_id]
        if question.status == "open":
            question.status = "closed"
            question.closed_reason = reason

    def supersede_role(self, role: str) -> list[Question]:
        """Supersede the open links held by a role's own holder (deputies take over)."""
        affected = []
        for question in self.open_questions():
            held = [
                link for link in question.links
                if link.recipient.role == role and not link.deputy and not link.superseded
            ]
            for link in held:
                link.superseded = True
            if held:
                affected.append(question)
        return affected

    def open_questions(self) -> list[Question]:
        return [q for q in self.questions.values() if q.status == "open"]


def _bound(question: Question, link: Link, form: AnswerSignal) -> bool:
    return ((form.question_id is None or form.question_id == question.id)
            and (form.recipient is None
                 or form.recipient.lower() == link.recipient.email.lower()))


def live_links(questions: Iterable[Question],
               role: str | None = None) -> list[tuple[Question, Link]]:
    """The links of open questions that still work (not superseded), of all roles or one:
    what the workflow sends again on the team's request, and what the CLI reports it sent."""
    return [(question, link) for question in questions if question.status == "open"
            for link in question.links
            if not link.superseded and role in (None, link.recipient.role)]


class QuestionLookup(BaseModel):
    nonce: str


class QuestionView(BaseModel):
    """What the link page needs to show; the web app decides how much of it to display."""

    status: LinkStatus
    kind: QuestionKind | None = None
    question_id: str | None = None
    case_ref: str
    recipient: Recipient | None = None
    choices: tuple[str, ...] = ()
    due_at: datetime | None = None
    answer: Answer | None = None
    context: dict[str, str] = Field(default_factory=dict)
