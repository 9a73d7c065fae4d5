"""The referral a partnership team registers at intake (SPEC §3).

The JSON shape is the one in `examples/referral.json`; unknown fields are refused so that a
typo never silently drops information. `parse_referral` returns every problem at once, each
named by its dotted field path, so the person at intake can fix them in one go.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from domain.calendar import london_today
from domain.people import EmailAddress

AgencyKey = str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Child(_Strict):
    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    date_of_birth: date
    gender: str | None = None
    ethnicity: str | None = None
    nhs_number: str | None = Field(default=None, pattern=r"^\d{3} ?\d{3} ?\d{4}$")
    address: str | None = None
    education_setting: str | None = None
    looked_after: bool = False
    care_leaver: bool = False
    care_leaver_age: int | None = Field(default=None, ge=16, le=30)
    child_protection_plan: Literal["current", "previously", "never", "unknown"] | None = None

    @property
    def initials(self) -> str:
        return f"{self.first_name[0]}.{self.last_name[0]}.".upper()


class FamilyMember(_Strict):
    name: str = Field(min_length=1)
    relationship: str = Field(min_length=1)
    date_of_birth: date | None = None


class Referrer(_Strict):
    name: str = Field(min_length=1)
    agency: AgencyKey
    email: EmailAddress
    phone: str | None = None


class Referral(_Strict):
    received_on: date
    aware_on: date
    incident_on: date
    incident: Literal["death", "serious_harm"]
    abuse_or_neglect: Literal["known", "suspected", "not_suspected"]
    location: Literal["in_area", "outside_england_normally_resident", "elsewhere"]
    child: Child
    family: list[FamilyMember] = Field(default_factory=list)
    referrer: Referrer
    lig_representative_consulted: str | None = None
    agencies_involved: list[AgencyKey] = Field(default_factory=list)
    referred_for: Literal[
        "rapid_review",
        "local_learning_review",
        "single_agency_review",
        "case_for_discussion",
        "positive_practice_review",
    ]
    case_outline: str = Field(min_length=1)
    reason_for_referral: str = Field(min_length=1)
    criminal_investigation: Literal["yes", "no", "possible"]
    coroner_involved: bool = False
    siblings_safeguarding: str | None = None

    @property
    def incident_text(self) -> str:
        """How letters name what happened: 'death' or 'serious harm'."""
        return "death" if self.incident == "death" else "serious harm"

    @property
    def sin_criteria_met(self) -> bool:
        """SPEC §4: abuse or neglect known or suspected, and death or serious harm in the area
        or outside England while normally resident."""
        return self.abuse_or_neglect in ("known", "suspected") and self.location in (
            "in_area",
            "outside_england_normally_resident",
        )

    @property
    def lac_death_notifiable(self) -> bool:
        """Death of a looked-after child, or of a care leaver under 25 (SPEC §4)."""
        if self.incident != "death":
            return False
        if self.child.looked_after:
            return True
        if not self.child.care_leaver:
            return False
        age_at_death = _age_on(self.child.date_of_birth, self.incident_on)
        return age_at_death < 25


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class FieldProblem(BaseModel):
    field: str
    message: str


class ReferralInvalid(ValueError):
    def __init__(self, problems: list[FieldProblem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


def parse_referral(
    data: Any, *, known_agencies: set[str], today: date | None = None
) -> Referral:
    """Validate raw JSON-like data; raise ReferralInvalid naming every bad field.

    Field checks (pydantic) and cross-field checks (dates, agencies) both always run, so the
    person at intake sees every problem at once, not one round at a time.
    """
    if not isinstance(data, dict):
        raise ReferralInvalid([FieldProblem(field="(body)", message="must be a JSON object")])
    problems: list[FieldProblem] = []
    referral = None
    try:
        referral = Referral.model_validate(data)
    except ValidationError as exc:
        problems.extend(_problems_from(exc))
    known = {p.field for p in problems}
    problems.extend(p for p in _cross_field_problems(data, today or london_today(),
                                                      known_agencies)
                    if p.field not in known)
    if problems or referral is None:
        raise ReferralInvalid(problems)
    return referral


_DATE = TypeAdapter(date)
_BOOL = TypeAdapter(bool)


def _date(value: Any) -> date | None:
    """The value as the model reads it, or None when it is not a date at all."""
    try:
        return _DATE.validate_python(value)
    except ValidationError:
        return None


def _true(value: Any) -> bool:
    try:
        return _BOOL.validate_python(value)
    except ValidationError:
        return False


def _cross_field_problems(data: dict[str, Any], today: date,
                          known_agencies: set[str]) -> list[FieldProblem]:
    """Checks across fields, on the raw data, tolerant of fields that are themselves bad."""
    raw_child = data.get("child")
    child: dict[str, Any] = raw_child if isinstance(raw_child, dict) else {}
    dates = {name: _date(data.get(name)) for name in ("received_on", "aware_on", "incident_on")}
    dates["child.date_of_birth"] = _date(child.get("date_of_birth"))
    problems = [FieldProblem(field=name, message=f"is in the future ({value})")
                for name, value in dates.items() if value and value > today]
    incident, born = dates["incident_on"], dates["child.date_of_birth"]
    for name in ("aware_on", "received_on"):
        value = dates[name]
        if value and incident and value < incident:
            problems.append(FieldProblem(field=name, message="is before incident_on"))
    if incident and born and incident < born:
        problems.append(FieldProblem(field="incident_on",
                                     message="is before the child's date of birth"))
    if _true(child.get("looked_after")) and _true(child.get("care_leaver")):
        problems.append(FieldProblem(field="child.care_leaver",
                                     message="cannot be true while child.looked_after is"))
    agencies = data.get("agencies_involved")
    for i, key in enumerate(agencies if isinstance(agencies, list) else []):
        if isinstance(key, str) and key not in known_agencies:
            problems.append(FieldProblem(field=f"agencies_involved[{i}]",
                                         message=f"unknown agency '{key}'"))
    raw_referrer = data.get("referrer")
    referrer: dict[str, Any] = raw_referrer if isinstance(raw_referrer, dict) else {}
    agency = referrer.get("agency")
    if isinstance(agency, str) and agency not in known_agencies:
        problems.append(FieldProblem(field="referrer.agency", message=f"unknown agency '{agency}'"))
    return problems


def _problems_from(exc: ValidationError) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for err in exc.errors():
        # family[0].name, the same form as agencies_involved[0] below; a key that is not a
        # plain name (empty, spaces, dots) is quoted, so the problem still says where it is.
        loc = "".join(f"[{p}]" if isinstance(p, int)
                      else f".{p}" if str(p).isidentifier() else f"[{json.dumps(p)}]"
                      for p in err["loc"])
        loc = loc.removeprefix(".")
        if err["type"] == "extra_forbidden":
            problems.append(FieldProblem(field=loc, message="is not a referral field"))
        else:
            message = str(err["msg"])
            problems.append(FieldProblem(field=loc or "(body)",
                                         message=message[:1].lower() + message[1:]))
    return problems
