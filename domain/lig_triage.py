"""Below the SIN threshold: the LIG route and dispute resolution (SPEC §6)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.profile import Profile
from domain.referral import Referral

LigDecisionChoice = Literal["local_learning_event", "other_workstream",
                            "single_agency_learning", "no_further_action"]
LIG_DECISIONS: dict[str, str] = {
    "local_learning_event": "a local learning event",
    "other_workstream": "referral to another workstream (e.g. a multi-agency audit)",
    "single_agency_learning": "single-agency learning, monitored by the LIG",
    "no_further_action": "no further action",
}


class LigInput(BaseModel):
    case_ref: str
    parent_workflow_id: str
    referral: Referral
    profile: Profile
    reason: Literal["do_not_notify", "referred_for_discussion", "rapid_review_not_held"]
    absent_roles: list[str] = Field(default_factory=list)  # absent when it started


class LigDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision: LigDecisionChoice
    rationale: str = Field(min_length=1)


class Dispute(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    raised_by: Literal["la", "police", "icb"]
    grounds: str = Field(min_length=1)


class DisputeReview(BaseModel):
    """The partner representatives and the LIG chair's collective review (within 3 WD)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: Literal["agreed", "no_agreement"]
    decision: LigDecisionChoice | None = None  # what they agreed, when they did
    rationale: str = Field(min_length=1)

    @model_validator(mode="after")
    def _decision(self) -> DisputeReview:
        if self.outcome == "agreed" and self.decision is None:
            raise ValueError("decision: required when the partners agreed")
        return self


class LigResult(BaseModel):
    route: str
    decision: LigDecisionChoice
    decided_by: str
    decided_at: datetime | None = None  # when the decision (after any dispute) was made
    final_at: datetime | None = None
