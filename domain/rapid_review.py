"""Rapid review (SPEC §5): its input, the meeting, the Rapid Review Template and the outcome.

`RapidReviewOutcome` is the West Midlands Document 4 record. It validates what a record must
hold on its own (reasons always; key lines of enquiry for recommendations a, b and c);
`outcome_problems` checks it against the case (meeting window, quorum, absences).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.deadlines import Deadline
from domain.profile import Profile
from domain.referral import Referral

Recommendation = Literal["a", "b", "c", "d", "e"]
RECOMMENDATIONS: dict[str, str] = {
    "a": "the criteria for a national review appear to be met",
    "b": "the criteria for a local child safeguarding practice review are met",
    "c": "the criteria are not met but a local child safeguarding practice review is warranted",
    "d": "another type of review is appropriate (DHR, SAR, MAPPA or other)",
    "e": "learning has been identified and acted on; no further review is needed",
}
NEEDS_LINES_OF_ENQUIRY = ("a", "b", "c")

Criterion = Literal[
    "improvements_needed",
    "recurrent_themes",
    "multi_agency_working",
    "panel_prefers_local_review",
    "single_agency_concern",
    "no_agency_involvement_concern",
    "cross_boundary",
    "institutional_setting",
]
CRITERIA: dict[str, str] = {
    "improvements_needed": "highlights improvements needed, including where previously identified",
    "recurrent_themes": "highlights recurrent themes in safeguarding and promoting welfare",
    "multi_agency_working": "concerns two or more organisations or agencies working together",
    "panel_prefers_local_review": "the Panel has concluded a local review is more appropriate",
    "single_agency_concern": "raises concern about the practice of a single agency",
    "no_agency_involvement_concern": "no agency involvement, and this itself gives cause for "
                                     "concern",
    "cross_boundary": "more than one local authority, police area or ICB is involved",
    "institutional_setting": "the child was in an institutional setting",
}
PartnerKey = Literal["la", "police", "icb"]
PARTNERS: tuple[PartnerKey, ...] = ("la", "police", "icb")
DECISION_MAKER_ROLE: dict[PartnerKey, str] = {
    "la": "la_decision_maker", "police": "police_decision_maker", "icb": "icb_decision_maker"}


class RrInput(BaseModel):
    """The anchor is a date (aware_on) or the instant the SIN was submitted, which the deadline
    activity turns into a London date."""

    case_ref: str
    parent_workflow_id: str
    referral: Referral
    profile: Profile
    anchor_kind: Literal["aware", "notification"]
    anchor: date | None = None
    anchor_instant: datetime | None = None
    absent_roles: list[str] = Field(default_factory=list)  # absent when it started


class MeetingPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: date
    at: time = time(10, 0)
    place: str = Field(default="to be confirmed", min_length=1, max_length=200)


class Participant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    agency: str = Field(min_length=1)  # a key of the profile's agencies
    role: str = ""


class RapidReviewOutcome(BaseModel):
    """The Rapid Review Template (West Midlands Document 4), as the operator records it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    held_on: date
    participants: list[Participant] = Field(min_length=1)
    absences: dict[str, str] = Field(default_factory=dict)  # agency key -> reason
    immediate_safeguarding_needed: bool
    immediate_safeguarding_details: str = ""
    criteria: list[Criterion] = Field(default_factory=list)
    recommendation: Recommendation
    key_lines_of_enquiry: list[str] = Field(default_factory=list)
    reasons: str = Field(min_length=1)
    legal_advice_sought: bool = False
    legal_advice_details: str = ""
    reviewer_name: str = ""  # when known, told to the Panel, Ofsted and DfE

    @model_validator(mode="after")
    def _complete(self) -> RapidReviewOutcome:
        if self.recommendation in NEEDS_LINES_OF_ENQUIRY and not any(
            line.strip() for line in self.key_lines_of_enquiry
        ):
            raise ValueError(f"key_lines_of_enquiry: required for recommendation "
                             f"({self.recommendation})")
        if self.immediate_safeguarding_needed and not self.immediate_safeguarding_details:
            raise ValueError("immediate_safeguarding_details: required when immediate "
                             "safeguarding action is needed")
        return self

    @property
    def leads_to_lcspr(self) -> bool:
        return self.recommendation in ("b", "c")


def outcome_problems(outcome: RapidReviewOutcome, window: Deadline, profile: Profile,
                     agencies_involved: list[str], today: date | None) -> list[str]:
    """What stops this record being accepted for this case; empty when it can be.
    `today` is None inside workflows, which know no time zone (the CLI checks it)."""
    problems = []
    if today and outcome.held_on > today:
        problems.append(f"held_on: {outcome.held_on} is in the future")
    if window.opens and not (window.opens <= outcome.held_on <= window.due):
        problems.append(f"held_on: {outcome.held_on} is outside the meeting window "
                        f"({window.opens} to {window.due})")
    unknown = sorted({p.agency for p in outcome.participants} - set(profile.agencies))
    if unknown:
        problems.append(f"participants: unknown agency {', '.join(unknown)}")
    present = {p.agency for p in outcome.participants}
    partners = {profile.agencies[a].partner for a in present if a in profile.agencies}
    missing = [p for p in PARTNERS if p not in partners]
    if missing:
        problems.append("not quorate: the meeting needs the LA, police and ICB represented; "
                        f"missing {', '.join(missing)}")
    for agency in agencies_involved:
        if agency not in present and not outcome.absences.get(agency, "").strip():
            problems.append(f"absences.{agency}: expected at the meeting; give the reason for "
                            "its absence")
    return problems


def meeting_date_problem(on: date, window: Deadline) -> str | None:
    if window.opens and not (window.opens <= on <= window.due):
        return (f"the meeting must be held between {window.opens} and {window.due} "
                f"(anchor +7 to +13 working days); {on} is outside that window")
    return None


class NotHeld(BaseModel):
    """The partners decide not to hold a rapid review after a SIN (SPEC §5 step 7)."""

    rationale: str = Field(min_length=1)
    recorded_by: str = "partnership team"


class PanelReply(BaseModel):
    reply: Literal["national_review", "more_information", "content"]
    notes: str = ""
    received_on: date | None = None


class RrResult(BaseModel):
    held: bool
    held_on: date | None = None
    key_lines_of_enquiry: list[str] = Field(default_factory=list)
    recommendation: Recommendation | None = None
    panel_reply: str | None = None
    submitted_at: datetime | None = None
