"""What the CLI and the web app do with cases: intake, views, listings, operator signals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain import search
from domain.calendar import london_date, london_today, working_days_between
from domain.case import (
    CaseInput,
    CaseView,
    Decision,
    LifecycleView,
    SentMessage,
    case_workflow_id,
    new_case_ref,
)
from domain.deadlines import Deadline
from domain.questions import Link, Question, live_links
from domain.referral import Referral, parse_referral
from domain.settings import Settings
from starter.answers import answers_json
from workflows.case import CaseWorkflow

LIFECYCLE_TYPES = ("CaseWorkflow", "SinDecisionWorkflow", "RapidReviewWorkflow",
                   "LcsprWorkflow", "LigTriageWorkflow", "LocalLearningEventWorkflow",
                   "ActionPlanWorkflow")


class CaseNotFound(LookupError):
    pass


def validate_referral(data: Any, settings: Settings) -> Referral:
    """Raises ReferralInvalid naming each bad field; nothing is started."""
    return parse_referral(data, known_agencies=set(settings.profile.agencies))


async def start_case(client: Client, settings: Settings, referral: Referral) -> tuple[str, str]:
    profile = settings.profile
    for _ in range(5):  # a clash of random references is rare; try a fresh one
        case_ref = new_case_ref(profile.partnership.code, london_today().year)
        workflow_id = case_workflow_id(case_ref)
        try:
            await client.start_workflow(
                CaseWorkflow.run,
                CaseInput(case_ref=case_ref, referral=referral, profile=profile,
                          registered_at=datetime.now(UTC)),
                id=workflow_id,
                task_queue=settings.temporal_task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=TypedSearchAttributes([
                    SearchAttributePair(search.CASE_REF, case_ref),
                    SearchAttributePair(search.PARTNERSHIP, profile.partnership.code),
                    SearchAttributePair(search.CASE_STAGE, "intake"),
                ]),
                static_summary=f"Case {case_ref} ({profile.partnership.code}): "
                               f"referred for {referral.referred_for.replace('_', ' ')}",
            )
        except WorkflowAlreadyStartedError:
            continue
        return case_ref, workflow_id
    raise RuntimeError("could not allocate a unique case reference")


async def _query(handle: WorkflowHandle, query: str, result_type: type) -> Any:
    try:
        return await handle.query(query, result_type=result_type)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise CaseNotFound(handle.id) from None
        raise


async def case_only(client: Client, case_ref: str) -> CaseView:
    return await _query(client.get_workflow_handle(case_workflow_id(case_ref)), "view", CaseView)


async def case_view(client: Client, case_ref: str) -> tuple[CaseView, list[LifecycleView]]:
    case = await case_only(client, case_ref)
    lifecycles = []
    for ref in case.lifecycles:
        view = await _query(client.get_workflow_handle(ref.workflow_id), "view", LifecycleView)
        view.name = ref.name  # as the case numbers it: a second SIN decision is sin-decision-2
        lifecycles.append(view)
    return case, lifecycles


def open_links(case: CaseView, lifecycles: list[LifecycleView],
               role: str | None = None) -> list[tuple[LifecycleView, Question, Link]]:
    """The live links of the running lifecycles' open questions (all roles, or one): what
    their `resend_links` signal sends again."""
    return [(view, question, link) for view in lifecycles if view.name in case.active
            for question, link in live_links(view.questions, role)]


def latest_lifecycle(lifecycles: list[LifecycleView], name: str) -> LifecycleView | None:
    """The latest run of a lifecycle: `name`, or its numbered rerun (`sin-decision-2`)."""
    return next((view for view in reversed(lifecycles)
                 if view.name == name or view.name.startswith(f"{name}-")), None)


def case_json(case: CaseView, lifecycles: list[LifecycleView]) -> dict[str, Any]:
    """The `case show --json` contract: stage, status, deadlines, decisions, messages."""
    deadlines = sorted(
        [*case.deadlines, *(d for lc in lifecycles for d in lc.deadlines)],
        key=lambda d: d.due_at,
    )
    decisions = sorted([*case.decisions, *(d for lc in lifecycles for d in lc.decisions)],
                       key=lambda d: d.at)
    messages = sorted([*case.messages, *(m for lc in lifecycles for m in lc.messages)],
                      key=lambda m: m.sent_at)
    return {
        "case_ref": case.case_ref,
        "partnership": case.partnership,
        "stage": case.stage,
        "status": case.status,
        "child_initials": case.child_initials,
        "received_on": case.received_on.isoformat(),
        "aware_on": case.aware_on.isoformat(),
        "steps": {lc.name: lc.step for lc in lifecycles},
        "deadlines": [
            {"key": d.key, "label": d.label, "due": d.due.isoformat(),
             "due_at": d.due_at.isoformat(), "state": d.state, "rag": rag(d),
             "opens": d.opens.isoformat() if d.opens else None,
             "completed_at": d.completed_at.isoformat() if d.completed_at else None,
             "note": d.note}
            for d in deadlines
        ],
        "decisions": [
            {"kind": d.kind, "choice": d.choice, "by": d.by, "at": d.at.isoformat(),
             "rationale": d.rationale, "deemed": d.deemed}
            for d in decisions
        ],
        "messages": [
            {"template": m.template, "to": m.to, "sent_at": m.sent_at.isoformat(),
             "message_id": m.message_id}
            for m in messages
        ],
        "failed_messages": [
            m.model_dump() for m in [*case.failed_messages,
                                     *(f for lc in lifecycles for f in lc.failed_messages)]
        ],
        "answers": answers_json(lifecycles),
        "timeline": timeline(deadlines, decisions, messages),
        "absent_roles": sorted({*case.absent_roles,
                                *(r for lc in lifecycles if lc.name in case.active
                                  for r in lc.absent_roles)}),
        "actions": [
            {"n": a.n, "recommendation": a.recommendation, "description": a.description,
             "owner": a.owner_name, "agency": a.owner_agency,
             "target_date": a.target_date.isoformat(), "rag": a.rag,
             "progress": a.progress[-1].progress if a.progress else None,
             "implemented_at": a.implemented_at.isoformat() if a.implemented_at else None,
             "evidence_of_impact": a.evidence_of_impact}
            for lc in lifecycles if lc.action_plan for a in lc.action_plan.actions
        ],
        "lifecycles": [lc.model_dump(include={"name", "workflow_id"}) for lc in lifecycles],
    }


def rag(deadline: Deadline, now: datetime | None = None) -> str:
    """Red: missed, or due and not done. Amber: due within two working days. Green: met, or
    comfortably ahead. Grey: waived or paused (no clock running)."""
    now = now or datetime.now(UTC)
    if deadline.state == "met":
        return "green"
    if deadline.state in ("waived", "paused"):
        return "grey"
    if deadline.state == "missed" or deadline.due_at < now:
        return "red"
    days_left = working_days_between(london_date(now), deadline.due)
    return "amber" if days_left <= 2 else "green"


def timeline(deadlines: list[Deadline], decisions: list[Decision],
             messages: list[SentMessage]) -> list[dict[str, str]]:
    """What happened, in order: decisions, messages, and deadlines met or missed."""
    events = [(d.at, "decision", f"{d.kind}: {d.choice} ({d.by})") for d in decisions]
    events += [(m.sent_at, "message", f"{m.template} to {', '.join(m.to)}") for m in messages]
    events += [(d.completed_at, "deadline", f"{d.key} {d.state}") for d in deadlines
               if d.completed_at]
    return [{"at": at.isoformat(), "kind": kind, "what": what}
            for at, kind, what in sorted(events, key=lambda e: e[0])]


async def list_cases(client: Client) -> list[dict[str, Any]]:
    """Open cases with their stage and earliest pending deadline (from search attributes)."""
    types = ", ".join(f"'{t}'" for t in LIFECYCLE_TYPES)
    rows: dict[str, dict[str, Any]] = {}
    async for wf in client.list_workflows(
        f"ExecutionStatus = 'Running' AND WorkflowType IN ({types})"
    ):
        attrs = wf.typed_search_attributes
        case_ref = attrs.get(search.CASE_REF)
        if not case_ref:
            continue
        row = rows.setdefault(case_ref, {"case_ref": case_ref, "stage": None,
                                         "next_deadline": None})
        if wf.workflow_type == "CaseWorkflow":
            row["stage"] = attrs.get(search.CASE_STAGE)
        due = attrs.get(search.NEXT_DEADLINE)
        if due and (row["next_deadline"] is None or due < row["next_deadline"]):
            row["next_deadline"] = due
    now = datetime.now(UTC)
    ordered = sorted(rows.values(), key=lambda r: (r["next_deadline"] is None,
                                                   r["next_deadline"] or now))
    for row in ordered:
        due = row["next_deadline"]
        row["overdue"] = bool(due and due < now)
        row["next_deadline"] = due.isoformat() if due else None
    return [row for row in ordered if row["stage"] is not None]
