"""The data a case is driven with, shared by the workflow tests and the throughput bench: a
scoping return, a rapid review record, a reviewer, an agency's submission (all synthetic)."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.lcspr import Reviewer
from domain.rapid_review import RapidReviewOutcome

LCSPR_AGENCIES = ["childrens_social_care", "police", "health"]
SUBMISSION = {"completer": "Named lead", "document_reference": "secure mail 2026-118",
              "quality_assured_by": "Head of safeguarding"}
SCOPING = {"completer": "A. Lead, safeguarding lead, 01234 000000", "records_secured": "yes",
           "involvement_summary": "Health visiting contacts from birth.",
           "practice_analysis": "Contacts were timely; information was not shared."}


def record(held_on: date, **changes: Any) -> RapidReviewOutcome:
    data: dict[str, Any] = {
        "held_on": held_on,
        "participants": [
            {"name": "Lee Representative", "agency": "childrens_social_care", "role": "LA"},
            {"name": "Pat Constable", "agency": "police"},
            {"name": "Jo Nurse", "agency": "health"},
            {"name": "Ed Lead", "agency": "education"},
        ],
        "immediate_safeguarding_needed": False,
        "criteria": ["multi_agency_working", "improvements_needed"],
        "recommendation": "b",
        "key_lines_of_enquiry": ["How was information about Zephyrine shared between agencies?"],
        "reasons": "Agencies held pieces of the picture; Marigold Testcase was not assessed.",
    }
    data.update(changes)
    return RapidReviewOutcome.model_validate(data)


def reviewer(name: str) -> Reviewer:
    return Reviewer(name=name, email=f"{name.split()[0].lower()}@reviewers.example.org",
                    kind="external", conflict_of_interest_declared=True, cv_received=True,
                    reference_taken=True, insurance_confirmed=True)
