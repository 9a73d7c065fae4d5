"""Local learning event (SPEC §6, Isle of Wight procedure §6): input, the team's recordings and
the result. An event is below the SIN threshold, co-led by two LIG members from the partners,
and its report is due for approval within four months of the LIG's decision."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.profile import Profile
from domain.referral import Referral

LleMethodology = Literal["desktop_review", "practitioner_workshop", "both"]
LlePhase = Literal["terms", "information", "quality_assurance", "executive_approval",
                   "dissemination", "approved", "sin_referred"]
METHODOLOGIES: dict[str, str] = {
    "desktop_review": "a desktop review of agencies' information",
    "practitioner_workshop": "a practitioner workshop",
    "both": "a desktop review followed by a practitioner workshop",
}


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LleInput(BaseModel):
    case_ref: str
    parent_workflow_id: str
    referral: Referral
    profile: Profile
    decided_at: datetime  # the LIG's decision: the four-month clock starts here
    absent_roles: list[str] = Field(default_factory=list)  # absent when it started


class LleTerms(_Record):
    """Terms of reference agreed by the LIG (key lines of enquiry, proportionate method)."""

    co_leads: list[str] = Field(min_length=2, max_length=2)  # profile roles, e.g. "police"
    methodology: LleMethodology
    key_lines_of_enquiry: list[str] = Field(min_length=1)
    agencies: list[str] = Field(min_length=1)  # profile agency keys asked for information
    information_due: date
    criminal_proceedings_pending: bool = False

    @model_validator(mode="after")
    def _distinct_leads(self) -> LleTerms:
        if self.co_leads[0] == self.co_leads[1]:
            raise ValueError("co_leads: the two co-leads must be different roles")
        return self

    def check_against(self, profile: Profile, today: date, report_due: date) -> str | None:
        """Why these terms cannot be used for this partnership now, or None."""
        for lead in self.co_leads:
            try:
                profile.role(lead)
            except KeyError:
                return f"co_leads: '{lead}' is not a role or 'agency:<key>' in the profile"
        unknown = [a for a in self.agencies if a not in profile.agencies]
        if unknown:
            return (f"agencies: unknown {', '.join(unknown)}; the profile has "
                    f"{', '.join(profile.agencies)}")
        if not today < self.information_due <= report_due:
            return (f"information_due: {self.information_due} must be after today ({today}) "
                    f"and no later than the report deadline ({report_due})")
        return None

    @property
    def has_workshop(self) -> bool:
        return self.methodology in ("practitioner_workshop", "both")


class LleWorkshop(_Record):
    on: date
    place: str = Field(min_length=1)


class FamilyContribution(_Record):
    """Whether the child and family are invited to contribute, and why."""

    sought: bool
    rationale: str = Field(min_length=1)
    police_consulted: bool = False  # required where criminal proceedings are pending


class ReportReady(_Record):
    summary: str = Field(min_length=1)  # what the report found, without names


class LleQualityAssurance(_Record):
    outcome: Literal["assured", "changes_required"]
    comments: str = ""


class LleExecutive(_Record):
    approved: bool
    notes: str = ""


class Dissemination(_Record):
    methods: list[str] = Field(min_length=1)  # e.g. "practitioner briefing", "newsletter"
    notes: str = ""


class SinInformation(_Record):
    """New information suggesting the SIN criteria are met (the case returns to §4)."""

    details: str = Field(min_length=1)
    learned_on: date


class LleResult(BaseModel):
    outcome: Literal["approved", "sin_criteria_met"]
    approved_at: datetime | None = None
    sin_information: SinInformation | None = None
