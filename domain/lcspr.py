"""Local child safeguarding practice review (SPEC §7): input, the operator's recordings and the
state carried from one run to the next (the review lives six months or more, so its workflow
continues as new and passes everything it knows on)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.people import EmailAddress
from domain.profile import Profile
from domain.referral import Referral

Methodology = Literal["chronologies", "information_reports", "learning_template",
                      "learning_workshop", "practitioner_feedback", "family_involvement"]
AGENCY_WORK: dict[str, str] = {"chronologies": "chronology",
                               "information_reports": "information_report"}
PauseReason = Literal["criminal_investigation", "inquest", "prosecution", "other"]
Phase = Literal["commissioning", "agency_work", "drafting", "quality_assurance",
                "partner_approval", "executive_approval", "publication", "published"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Reviewer(_Record):
    name: str = Field(min_length=1)
    email: EmailAddress
    kind: Literal["external", "internal"]
    conflict_of_interest_declared: bool
    conflict_of_interest_details: str = ""
    cv_received: bool = False
    reference_taken: bool = False
    insurance_confirmed: bool = False

    @model_validator(mode="after")
    def _checks(self) -> Reviewer:
        if not self.conflict_of_interest_declared:
            raise ValueError("conflict_of_interest_declared: a declaration is required before "
                             "appointment")
        if self.kind == "external" and not (self.cv_received and self.reference_taken
                                            and self.insurance_confirmed):
            raise ValueError("an external reviewer needs cv_received, reference_taken and "
                             "insurance_confirmed")
        return self


class KeyDates(_Record):
    agency_submissions_due: date
    workshop_on: date | None = None
    draft_due: date | None = None


class TermsOfReference(_Record):
    period_from: date
    period_to: date
    key_lines_of_enquiry: list[str] = Field(min_length=1)
    methodology: list[Methodology] = Field(min_length=1)
    agencies: list[str] = Field(min_length=1)  # profile agency keys asked for submissions
    family_plan: str = Field(min_length=1)
    parallel_investigations: str = ""
    legal_advice: str = ""
    key_dates: KeyDates

    @model_validator(mode="after")
    def _consistent(self) -> TermsOfReference:
        if self.period_to < self.period_from:
            raise ValueError("period_to: is before period_from")
        return self


class FamilyRecord(_Record):
    member: str = Field(min_length=1)  # relationship, e.g. "mother" (names stay in the referral)
    status: Literal["to_approach", "contacted", "letter_sent", "taking_part", "declined",
                    "not_approached"]
    reason: str = ""
    police_agreed_timing: bool = False

    @model_validator(mode="after")
    def _reason(self) -> FamilyRecord:
        if self.status in ("declined", "not_approached") and not self.reason:
            raise ValueError("reason: required when the family member does not take part")
        return self


class Workshop(_Record):
    kind: Literal["learning_workshop", "practitioner_feedback"]
    on: date
    place: str = Field(default="to be confirmed", min_length=1)


class Revision(_Record):
    agency: str
    work: Literal["chronology", "information_report"]
    due: date
    request: str = Field(min_length=1)


class QualityAssurance(_Record):
    outcome: Literal["approved", "changes_needed"]
    notes: str = ""


class ExecutiveApproval(_Record):
    approved_on: date
    report: bool = True
    partnership_response: bool = True
    action_plan: bool = True
    publication_plan: bool = True

    @model_validator(mode="after")
    def _all(self) -> ExecutiveApproval:
        missing = [k for k in ("report", "partnership_response", "action_plan",
                               "publication_plan") if not getattr(self, k)]
        if missing:
            raise ValueError(f"executive approval must cover {', '.join(missing)}")
        return self


class PublicationPlan(_Record):
    on: date
    report_url: str = Field(min_length=1)  # where the Panel, DfE and Ofsted read the report


class Publication(_Record):
    on: date
    url: str = Field(min_length=1)
    reviewer_named: bool
    improvements_only: bool = False
    justification: str = ""

    @model_validator(mode="after")
    def _named(self) -> Publication:
        if not self.reviewer_named:
            raise ValueError("reviewer_named: the published report must name its reviewer")
        if self.improvements_only and not self.justification:
            raise ValueError("justification: required when only the improvements are published")
        return self


class Pause(_Record):
    reason: PauseReason
    details: str = Field(min_length=1)


class NewInformation(_Record):
    details: str = Field(min_length=1)


class LcsprInput(BaseModel):
    case_ref: str
    parent_workflow_id: str
    referral: Referral
    profile: Profile
    decided_on: date
    key_lines_of_enquiry: list[str] = Field(default_factory=list)
    # Continue as new past this many events (Temporal's own suggestion comes far later; each
    # run of a lifecycle stays well under 2,000 events).
    events_per_run: int = Field(default=1500, ge=100)
    carried: dict[str, Any] | None = None  # the state, when continued as new
    absent_roles: list[str] = Field(default_factory=list)  # absent when it started


class LcsprResult(BaseModel):
    published_on: date | None
    url: str | None
    improvements_only: bool = False
    paused_days: int = 0
    runs: int = 1
    completed_at: datetime | None = None
