"""The deadline catalogue (SPEC §10) and the state of one deadline.

Rules live here as data; the arithmetic is done by the deadline activity (which owns the
calendar), never by workflow code. Once computed, a Deadline is kept as it is.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

DeadlineState = Literal["pending", "met", "missed", "waived", "paused"]


class Rule(BaseModel):
    """How a due date follows from its base date."""

    unit: Literal["working_days", "months", "fixed"]  # fixed: due on the base date itself
    amount: int
    label: str
    window_opens: int | None = None  # a window: from base + window_opens to base + amount


CATALOGUE: dict[str, Rule] = {
    "sin.referral_shared": Rule(unit="working_days", amount=1,
                                label="Referral shared with LIG chair and Service Director"),
    "sin.initial_view": Rule(unit="working_days", amount=1, label="Initial view recorded"),
    "sin.partner_responses": Rule(unit="working_days", amount=1,
                                  label="Partners' responses to the initial view"),
    "sin.resolution": Rule(unit="working_days", amount=1,
                           label="Disagreement resolved (meeting or Partnership Chair)"),
    "sin.agency_information": Rule(unit="working_days", amount=2,
                                   label="Agencies' summaries of involvement for the LIG"),
    "sin.lig_recommendation": Rule(unit="working_days", amount=1,
                                   label="LIG recommendation to the Independent Chair"),
    "sin.notification": Rule(unit="working_days", amount=5,
                             label="Serious incident notification submitted to the Panel"),
    "sin.local_report": Rule(unit="working_days", amount=5,
                             label="Notification reported locally"),
    "lac.notification": Rule(unit="working_days", amount=5,
                             label="Looked-after child / care leaver death notified"),
    "rr.scoping_requests": Rule(unit="working_days", amount=2, label="Scoping requests sent"),
    "rr.scoping_returns": Rule(unit="working_days", amount=5, label="Scoping returns received"),
    "rr.meeting_window": Rule(unit="working_days", amount=13, window_opens=7,
                              label="Rapid review meeting held"),
    "rr.submission": Rule(unit="working_days", amount=15,
                          label="Rapid review submitted to the Panel"),
    "rr.submission_after_meeting": Rule(unit="working_days", amount=2,
                                        label="Rapid review submitted to the Panel"),
    "rr.panel_response": Rule(unit="working_days", amount=15, label="Panel's reply recorded"),
    "lig.route": Rule(unit="working_days", amount=1, label="LIG chair's choice of route"),
    "lig.scoping_returns": Rule(unit="working_days", amount=5,
                                label="LIG scoping returns received"),
    "lig.dispute_window": Rule(unit="working_days", amount=5,
                               label="Time for partners to dispute the LIG decision"),
    "lig.dispute_review": Rule(unit="working_days", amount=3,
                               label="Collective review of the LIG decision"),
    "lig.dispute_escalation": Rule(unit="working_days", amount=3,
                                   label="Partnership Chair decision on the dispute"),
    "lle.report": Rule(unit="months", amount=4, label="Learning event report ready"),
    "lle.information": Rule(unit="fixed", amount=0,
                            label="Information for the learning event received"),
    "action": Rule(unit="fixed", amount=0, label="Action implemented with evidence"),
    "lcspr.publication": Rule(unit="months", amount=6, label="LCSPR published"),
    "lcspr.prepublication_notice": Rule(unit="working_days", amount=-7,
                                        label="Full report sent to Panel, DfE and Ofsted"),
    "lcspr.chronology": Rule(unit="fixed", amount=0, label="Chronology received"),
    "lcspr.information_report": Rule(unit="fixed", amount=0,
                                     label="Information report received"),
}


def rule_for(key: str) -> Rule:
    """Sub-deadlines (`rr.scoping_returns.<agency>`, `lcspr.chronology.<agency>.revision1`,
    `action.<n>`) share the rule of their nearest catalogued parent."""
    parts = key.split(".")
    for end in range(len(parts), 0, -1):
        rule = CATALOGUE.get(".".join(parts[:end]))
        if rule:
            return rule
    raise KeyError(f"no deadline rule for '{key}'")


class Deadline(BaseModel):
    key: str
    label: str
    base: date
    due: date
    due_at: datetime
    opens: date | None = None  # for a window (rr.meeting_window): its first day
    due_text: str = ""  # "Thu 24 Dec 17:00", made by the activity for timer summaries
    remind_at: datetime | None = None
    state: DeadlineState = "pending"
    completed_at: datetime | None = None
    note: str | None = None

    def complete(self, at: datetime, note: str | None = None) -> None:
        """Met if done by close of business on the due date, otherwise missed (done late)."""
        if self.state in ("met", "waived"):
            return
        if self.state == "pending":
            self.state = "met" if at <= self.due_at else "missed"
        self.completed_at = at
        if note:
            self.note = note

    def mark_met(self, at: datetime, note: str) -> None:
        """Met by a fact checked elsewhere (a meeting held inside its window)."""
        self.state, self.completed_at, self.note = "met", at, note

    def miss(self, note: str | None = None) -> None:
        if self.state == "pending":
            self.state = "missed"
            self.note = note or self.note

    def tighten(self, earlier: Deadline, note: str) -> None:
        """Bring the due date forward to an earlier computed deadline (never later)."""
        if earlier.due_at < self.due_at:
            self.due, self.due_at, self.due_text = earlier.due, earlier.due_at, earlier.due_text
            self.note = note

    def pause(self, reason: str) -> None:
        if self.state == "pending":
            self.state, self.note = "paused", reason

    def waive(self, reason: str) -> None:
        self.state = "waived"
        self.note = reason


class DeadlineRequest(BaseModel):
    key: str
    base: date | None = None
    # When the base is "the moment something happened", pass the instant; the activity turns
    # it into a London date (workflow code holds no time-zone rules).
    base_instant: datetime | None = None
    remind_working_days_before: int | None = None


class ShiftRequest(BaseModel):
    """Move a paused deadline on by the number of days it was paused (London dates), or by
    the pause's exact length under a demonstration clock."""

    deadline: Deadline
    paused_at: datetime
    resumed_at: datetime
    close_of_business: str = "17:00"
    working_day_seconds: int | None = None


class DeadlineBatch(BaseModel):
    requests: list[DeadlineRequest]
    close_of_business: str = "17:00"
    # A demonstration profile's clock (DemoClock), and the workflow's time to count from.
    working_day_seconds: int | None = None
    now: datetime | None = None


class DeadlineList(BaseModel):
    deadlines: list[Deadline]
