"""What a command sent to a case gets back: a receipt, or a refusal naming the problem.

Every partner answer and operator recording is a Workflow Update. Its validator refuses, before
anything is written to the case's history, whatever the workflow would not accept; the update
itself returns a `Receipt`. A check that needs an activity (a working-day date, say) can only
run in the update's handler, after acceptance: it refuses the same way, with `refuse`.
"""

from __future__ import annotations

from typing import NoReturn

from pydantic import BaseModel, Field
from temporalio.exceptions import ApplicationError

from domain.case import SentMessage
from domain.deadlines import Deadline
from domain.questions import Answer

REFUSED = "Refused"  # the failure type callers recognise as the workflow's own refusal


def refuse(problem: str) -> NoReturn:
    """Refuse a command with a message for the person who sent it."""
    raise ApplicationError(problem, type=REFUSED, non_retryable=True)


def refuse_if(problem: str | None) -> None:
    if problem:
        refuse(problem)


class Receipt(BaseModel):
    """What was recorded, the messages sent while the command ran, and the deadlines it
    touched, in their new state."""

    lifecycle: str
    recorded: str
    sent: list[SentMessage] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)


class AnswerReceipt(Receipt):
    question_id: str
    answer: Answer
