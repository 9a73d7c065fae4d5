"""The rapid review meeting's papers: a read-only page behind a personal link, for each person
invited and the team. It shows the referral and every agency's scoping return as it arrives;
opening it changes nothing (mail scanners fetch links)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from domain.people import Recipient
from domain.questions import Answer, QuestionStatus
from domain.rapid_review import MeetingPlan

PAPERS = "papers"  # the question id a papers link is signed for: it answers nothing


class PapersLookup(BaseModel):
    nonce: str


class ScopingPaper(BaseModel):
    agency: str  # the agency's name
    kind: str = "scoping_return"
    status: QuestionStatus
    answer: Answer | None = None


class PapersView(BaseModel):
    status: Literal["open", "unknown"]
    case_ref: str
    recipient: Recipient | None = None
    meeting: MeetingPlan | None = None
    context: dict[str, str] = Field(default_factory=dict)
    returns: list[ScopingPaper] = Field(default_factory=list)
