"""Typed input, output, commands and views of the case and what every lifecycle shares."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from domain.action_plan import ActionPlanView
from domain.deadlines import Deadline
from domain.profile import Profile
from domain.questions import Question
from domain.referral import Referral

CaseStage = Literal[
    "intake",
    "sin_decision",
    "awaiting_rapid_review",
    "rapid_review",
    "awaiting_lcspr",
    "lcspr",
    "action_plan",
    "national_review",
    "lig_route",
    "awaiting_local_learning_event",
    "local_learning_event",
    "closed",
]

# Crockford base32 without look-alikes: readable over the phone.
_REF_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_case_ref(code: str, year: int) -> str:
    suffix = "".join(secrets.choice(_REF_ALPHABET) for _ in range(4))
    return f"{code}-{year}-{suffix}"


def case_workflow_id(case_ref: str) -> str:
    return f"case-{case_ref}"


def lifecycle_workflow_id(case_ref: str, lifecycle: str) -> str:
    return f"case-{case_ref}.{lifecycle}"


class Decision(BaseModel):
    kind: str
    choice: str
    rationale: str = ""
    by: str  # role title and name, or "rule: ..." when a rule decided
    at: datetime
    deemed: bool = False


class SentMessage(BaseModel):
    template: str
    to: list[str]
    sent_at: datetime
    message_id: str


class CaseInput(BaseModel):
    case_ref: str
    referral: Referral
    profile: Profile
    registered_at: datetime


class CaseResult(BaseModel):
    case_ref: str
    stage: CaseStage
    closed_reason: str


class MarkAbsent(BaseModel):
    role: str
    absent: bool = True


class ResendLinks(BaseModel):
    """Send each open question's links again, with a fresh expiry (all roles, or one)."""

    role: str | None = None


class CommissionLcspr(BaseModel):
    """An LCSPR commissioned other than by a rapid review's recommendation."""

    decided_on: date
    key_lines_of_enquiry: list[str] = Field(default_factory=list)


class CloseCase(BaseModel):
    reason: str = Field(min_length=1)


class FailedMessage(BaseModel):
    """A message the mail server refused permanently: shown on the case, never silent."""

    template: str
    to: str
    error: str


class LifecycleRef(BaseModel):
    name: str
    workflow_id: str


class LifecycleView(BaseModel):
    name: str
    workflow_id: str
    case_ref: str
    step: str
    deadlines: list[Deadline]
    decisions: list[Decision]
    messages: list[SentMessage]
    failed_messages: list[FailedMessage] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    absent_roles: list[str] = Field(default_factory=list)
    action_plan: ActionPlanView | None = None


class CaseView(BaseModel):
    case_ref: str
    partnership: str
    stage: CaseStage
    status: Literal["open", "closed"]
    child_initials: str
    received_on: date
    aware_on: date
    referred_for: str
    lifecycles: list[LifecycleRef]
    deadlines: list[Deadline]
    decisions: list[Decision]
    messages: list[SentMessage]
    failed_messages: list[FailedMessage] = Field(default_factory=list)
    active: list[str] = Field(default_factory=list)
    absent_roles: list[str] = Field(default_factory=list)
