"""Action plans (SPEC §9, WM Document 20): recommendations, their actions and progress.

A plan follows a published LCSPR or an approved local learning event and may run for years, so
its workflow continues as new and carries this state. An action's target date is its deadline
`action.<n>`; the plan concludes when it is agreed and every action is implemented.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.people import EmailAddress
from domain.profile import Profile

Rag = Literal["red", "amber", "green"]
REVIEWS: dict[str, str] = {"lcspr": "local child safeguarding practice review",
                           "lle": "local learning event"}


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ActionPlanInput(BaseModel):
    case_ref: str
    parent_workflow_id: str
    profile: Profile
    review: Literal["lcspr", "lle"]
    remind_working_days_before: int = 10
    summary_every_days: int = 28  # progress summary to the partnership team
    events_per_run: int = Field(default=1500, ge=50)
    carried: dict[str, Any] | None = None
    absent_roles: list[str] = Field(default_factory=list)  # absent when it started


class NewRecommendation(_Record):
    text: str = Field(min_length=1)  # SMART, without names


class NewAction(_Record):
    recommendation: int = Field(ge=1)
    description: str = Field(min_length=1)
    owner_name: str = Field(min_length=1)
    owner_email: EmailAddress
    owner_agency: str = ""
    target_date: date


class ActionUpdate(_Record):
    action: int = Field(ge=1)
    progress: str = Field(min_length=1)
    rag: Rag
    evidence_of_impact: str = ""
    implemented: bool = False
    new_target_date: date | None = None

    @model_validator(mode="after")
    def _evidence(self) -> ActionUpdate:
        if self.implemented and not self.evidence_of_impact:
            raise ValueError("evidence_of_impact: required to mark an action implemented")
        if self.implemented and self.new_target_date:
            raise ValueError("new_target_date: an implemented action needs no new target")
        return self


class AgreePlan(_Record):
    agreed_by: str = Field(min_length=1)  # e.g. "Partnership Executive, 12 May"


class ProgressNote(BaseModel):
    at: datetime
    progress: str
    rag: Rag


class Action(BaseModel):
    n: int
    recommendation: int
    description: str
    owner_name: str
    owner_email: str
    owner_agency: str = ""
    target_date: date
    rag: Rag = "amber"
    progress: list[ProgressNote] = Field(default_factory=list)
    evidence_of_impact: str = ""
    implemented_at: datetime | None = None

    @property
    def key(self) -> str:
        return f"action.{self.n}"


class Recommendation(BaseModel):
    n: int
    text: str


class ActionPlanView(BaseModel):
    recommendations: list[Recommendation] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    agreed_by: str | None = None
    concluded_at: datetime | None = None


class ActionPlanResult(BaseModel):
    concluded_at: datetime
    actions: int
    implemented_late: int
    runs: int
