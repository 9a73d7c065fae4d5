"""Forms behind links that ask for more than a choice: the agency scoping return
(West Midlands Document 2), and the redaction applied to text bound for national bodies."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel

from domain.referral import Referral


class FormField(BaseModel):
    name: str
    label: str
    kind: Literal["text", "textarea", "yes_no", "date"] = "textarea"
    required: bool = False


# Asked of each agency's safeguarding lead when the family is known to it (WM Document 2).
SCOPING_FIELDS: tuple[FormField, ...] = (
    FormField(name="completer", label="Your name, role and contact details", kind="text",
              required=True),
    FormField(name="records_secured", label="Have all records about the child and family been "
              "secured?", kind="yes_no", required=True),
    FormField(name="family_anomalies", label="Anything in the family details above that differs "
              "from your agency's records"),
    FormField(name="involvement_summary", label="Your agency's involvement with the child and "
              "each family member: key events in date order, with service start and end dates",
              required=True),
    FormField(name="practice_analysis", label="A short analysis of your agency's practice and "
              "of joint working, including good practice and possible learning", required=True),
    FormField(name="partnership_concerns", label="Any concerns about how agencies worked "
              "together to protect the child"),
    FormField(name="learning_actions", label="Learning already identified and actions taken or "
              "planned (learning point, action, lead, target date)"),
    FormField(name="other_agencies", label="Other agencies you know were involved"),
    FormField(name="additional_information", label="Anything else the rapid review meeting "
              "should know"),
)

# An agency's chronology or information report for an LCSPR (WM Documents 10-15).
SUBMISSION_FIELDS: tuple[FormField, ...] = (
    FormField(name="completer", label="Your name, role and contact details", kind="text",
              required=True),
    FormField(name="document_reference", label="Where the document is: the reference of the "
              "secure email or upload it was sent by", kind="text", required=True),
    FormField(name="quality_assured_by", label="Who in your agency quality-assured it",
              kind="text", required=True),
    FormField(name="notes", label="Anything the reviewer should know about it"),
)

FORMS: dict[str, tuple[FormField, ...]] = {
    "scoping_return:returned": SCOPING_FIELDS,
    "agency_submission:submitted": SUBMISSION_FIELDS,
}


def form_for(kind: str, choice: str) -> tuple[FormField, ...]:
    return FORMS.get(f"{kind}:{choice}", ())


def form_problems(kind: str, choice: str, fields: dict[str, str]) -> list[str]:
    problems = []
    for field in form_for(kind, choice):
        value = fields.get(field.name, "").strip()
        if field.required and not value:
            problems.append(f"{field.label}: please complete this")
        elif field.kind == "yes_no" and value and value not in ("yes", "no"):
            problems.append(f"{field.label}: answer yes or no")
    return problems


_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", re.IGNORECASE)


def _date_forms(day: date) -> list[str]:
    """The ways people write a date: 2025-08-14, 14/08/2025, 14/8/2025, 14 August 2025…"""
    month, short = day.strftime("%B"), day.strftime("%b")
    return [day.isoformat(), f"{day.day:02d}/{day.month:02d}/{day.year}",
            f"{day.day}/{day.month}/{day.year}", f"{day.day:02d}.{day.month:02d}.{day.year}",
            f"{day.day} {month} {day.year}", f"{day.day} {short} {day.year}",
            f"{month} {day.day}, {day.year}"]


def redact(text: str, referral: Referral) -> str:
    """Remove the child's and family's names, dates of birth, initials, NHS number and
    address from free text.

    A safety net for text written by people (reasons, lines of enquiry) that goes to the
    Panel, Ofsted or DfE: templates carry no personal data, but an operator might type it.
    Names match with any ending ("Zephyrines", "Zephyrine's").
    """
    child = referral.child
    names = {child.first_name, child.last_name}
    for member in referral.family:
        names.update(member.name.split())
    patterns = [re.escape(n) + r"\w*" for n in sorted(names, key=len, reverse=True) if len(n) > 1]
    days = [child.date_of_birth, *(m.date_of_birth for m in referral.family if m.date_of_birth)]
    patterns += [re.escape(form) for day in days for form in _date_forms(day)]
    if child.address:
        patterns += [re.escape(child.address), re.escape(child.address.split(",")[0])]
        patterns += [re.escape(p) for p in _POSTCODE.findall(child.address)]
    first, last = child.first_name[0], child.last_name[0]
    patterns += [rf"{first}\.\s?{last}\.?", rf"{first}{last}"]
    if child.nhs_number:
        digits = child.nhs_number.replace(" ", "")
        patterns.append(rf"{digits[:3]}\s?{digits[3:6]}\s?{digits[6:]}")
    return re.sub(r"\b(?:" + "|".join(patterns) + r")(?!\w)", "[redacted]", text,
                  flags=re.IGNORECASE)


def national_context(context: dict[str, str], referral: Referral) -> dict[str, str]:
    """What an email to a national body may be rendered from: no initials, and every value
    passed through `redact`, so no template edit can leak what the context does not hold."""
    return {key: redact(value, referral) for key, value in context.items()
            if key != "child_initials"}


def link_page_context(referral: Referral) -> dict[str, str]:
    """What the page behind a partner's link shows so they can find the child in their records
    (never put into an email: emails carry initials only)."""
    child = referral.child
    return {"child_name": f"{child.first_name} {child.last_name}",
            "child_dob": child.date_of_birth.isoformat(),
            "child_address": child.address or "not given",
            "family": "\n".join(f"{m.name} ({m.relationship})" for m in referral.family)
            or "none listed",
            "case_outline": referral.case_outline,
            "reason_for_referral": referral.reason_for_referral,
            "aware_on": referral.aware_on.isoformat(),
            "incident": referral.incident_text}
