"""Each lifecycle workflow's state: one pydantic model per workflow, set up in `@workflow.init`.

They live here, not beside their workflows, because the worker's sandbox re-imports a workflow's
own module for every workflow run it starts or replays, and building a pydantic model class is
the costliest part of that import. Modules under `domain` pass through the sandbox, so these
classes are built once per worker process. They are plain data: a run's state goes across
continue-as-new as `model_dump()`, so what matters for upgrades is their fields, not their home.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from domain.action_plan import ActionPlanView
from domain.case import (
    CaseStage,
    CommissionLcspr,
    Decision,
    FailedMessage,
    LifecycleRef,
    SentMessage,
)
from domain.deadlines import Deadline
from domain.lcspr import (
    ExecutiveApproval,
    FamilyRecord,
    Pause,
    Phase,
    Publication,
    PublicationPlan,
    Reviewer,
    TermsOfReference,
    Workshop,
)
from domain.lig_triage import Dispute, DisputeReview, LigDecision
from domain.local_learning_event import (
    FamilyContribution,
    LlePhase,
    LleTerms,
    LleWorkshop,
    SinInformation,
)
from domain.questions import Link, QuestionBook
from domain.rapid_review import MeetingPlan, NotHeld, PanelReply, RapidReviewOutcome
from domain.sin_decision import MeetingOutcome, SinOutcome


class LifecycleState(BaseModel):
    step: str = "starting"
    deadlines: dict[str, Deadline] = Field(default_factory=dict)
    decisions: list[Decision] = Field(default_factory=list)
    messages: list[SentMessage] = Field(default_factory=list)
    failed_messages: list[FailedMessage] = Field(default_factory=list)
    book: QuestionBook = Field(default_factory=QuestionBook)
    absent: list[str] = Field(default_factory=list)
    # Recordings refused when they came as signals (running cases' only): an update's refusal
    # goes back to its sender and is never stored.
    refused: list[str] = Field(default_factory=list)
    resends: int = 0  # links sent again on the team's request: each round is its own email


class LoopState(LifecycleState):
    started: bool = False
    runs: int = 1
    # Work the loop has performed so far: a command waits for its own. (States carried by
    # earlier runs also hold `effects`, always empty then: pydantic ignores it.)
    performed: int = 0
    reminded: list[str] = Field(default_factory=list)
    escalated: list[str] = Field(default_factory=list)


class CaseState(LifecycleState):
    stage: CaseStage = "sin_decision"
    lifecycles: list[LifecycleRef] = Field(default_factory=list)
    sin_outcome: SinOutcome | None = None
    commission: CommissionLcspr | None = None
    closed_reason: str | None = None
    active: list[str] = Field(default_factory=list)  # lifecycles running now


class SinState(LifecycleState):
    meeting: MeetingOutcome | None = None
    outcome: SinOutcome | None = None


class RrState(LifecycleState):
    meeting: MeetingPlan | None = None
    outcome: RapidReviewOutcome | None = None
    outcome_version: int = 0
    accepting_outcome: bool = True
    not_held: NotHeld | None = None
    panel_replies: list[PanelReply] = Field(default_factory=list)
    papers: list[Link] = Field(default_factory=list)  # one read-only link per invitee
    scoping_settled: bool = False  # every return in, or their deadline passed
    invited_before_settled: bool = False  # so the complete papers follow the invitation


class LcsprState(LoopState):
    phase: Phase = "commissioning"
    reviewer: Reviewer | None = None
    former_reviewers: list[Reviewer] = Field(default_factory=list)
    terms: TermsOfReference | None = None
    family: list[FamilyRecord] = Field(default_factory=list)
    workshops: list[Workshop] = Field(default_factory=list)
    revisions: int = 0
    approval_round: int = 0
    executive: ExecutiveApproval | None = None
    plan: PublicationPlan | None = None
    publication: Publication | None = None
    pause: Pause | None = None
    paused_at: datetime | None = None
    paused_days: int = 0


class LigState(LifecycleState):
    decision: LigDecision | None = None
    decided_by: str = ""
    decided_at: datetime | None = None
    dispute: Dispute | None = None
    review: DisputeReview | None = None


class LleState(LoopState):
    phase: LlePhase = "terms"
    terms: LleTerms | None = None
    family: FamilyContribution | None = None
    workshops: list[LleWorkshop] = Field(default_factory=list)
    sin_information: SinInformation | None = None


class ActionPlanState(LoopState):
    plan: ActionPlanView = Field(default_factory=ActionPlanView)
    next_summary_at: datetime | None = None
