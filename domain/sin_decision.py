"""Typed input, output and messages of the SIN decision (SinDecisionWorkflow)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from domain.profile import Profile
from domain.referral import Referral

SinOutcomeChoice = Literal["notify", "do_not_notify"]


class SinInput(BaseModel):
    case_ref: str
    parent_workflow_id: str
    referral: Referral
    profile: Profile
    absent_roles: list[str] = Field(default_factory=list)  # absent when it started


class SinOutcome(BaseModel):
    outcome: SinOutcomeChoice
    decided_at: datetime
    decided_by: str
    rationale: str
    submission_reference: str | None = None


class SinDecided(BaseModel):
    """Signal from the SIN child to the case as soon as the decision is made."""

    outcome: SinOutcome


class MeetingOutcome(BaseModel):
    outcome: Literal["notify", "do_not_notify", "unresolved"]
    rationale: str = Field(min_length=1)
    recorded_by: str = "partnership team"


class SubmissionReference(BaseModel):
    reference: str = Field(min_length=1)
    recorded_by: str = "partnership team"
