"""Deadline arithmetic as an activity: its results are recorded in history, so a running case
keeps the dates it was given even when holiday data or the catalogue changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from temporalio import activity

from domain.calendar import LONDON, add_months, add_working_days, at_london, london_date
from domain.deadlines import (
    Deadline,
    DeadlineBatch,
    DeadlineList,
    DeadlineRequest,
    ShiftRequest,
    rule_for,
)

# Under a demonstration clock a month is this many working days (England has about 253 a year).
WORKING_DAYS_A_MONTH = 21


def _base(request: DeadlineRequest) -> date:
    if request.base is not None:
        return request.base
    if request.base_instant is not None:
        return london_date(request.base_instant)
    raise ValueError(f"{request.key}: a base date or instant is required")


def _compute(request: DeadlineRequest, close: time) -> Deadline:
    base = _base(request)
    rule = rule_for(request.key)
    if rule.unit == "working_days":
        due = add_working_days(base, rule.amount)
    elif rule.unit == "months":
        due = add_months(base, rule.amount)
    else:
        due = base
    remind_at = None
    if request.remind_working_days_before:
        remind_day = add_working_days(due, -request.remind_working_days_before)
        remind_at = at_london(remind_day, time(9, 0))
    due_at = at_london(due, close)
    opens = add_working_days(base, rule.window_opens) if rule.window_opens else None
    return Deadline(key=request.key, label=rule.label, base=base, due=due, due_at=due_at,
                    opens=opens, due_text=due_at.strftime("%a %-d %b %H:%M"),
                    remind_at=remind_at)


def _compute_demo(request: DeadlineRequest, close: time, seconds: int, now: datetime) -> Deadline:
    """A demonstration clock: a working day lasts `seconds`, counted from the base instant,
    or from now for a base date not after today (a future date counts from its start)."""
    base = _base(request)
    rule = rule_for(request.key)
    day = timedelta(seconds=seconds)
    if request.base_instant is not None:
        start = request.base_instant
    else:
        start = max(now, at_london(base, time(0, 0)))
    if rule.unit == "fixed":  # a date a person gave: it stays that date
        due_at = at_london(base, close)
    else:
        amount = rule.amount * (WORKING_DAYS_A_MONTH if rule.unit == "months" else 1)
        due_at = start + amount * day
    remind_at = (due_at - request.remind_working_days_before * day
                 if request.remind_working_days_before else None)
    opens = london_date(start + rule.window_opens * day) if rule.window_opens else None
    return Deadline(key=request.key, label=rule.label, base=base, due=london_date(due_at),
                    due_at=due_at, opens=opens,
                    due_text=due_at.astimezone(LONDON).strftime("%a %-d %b %H:%M:%S"),
                    remind_at=remind_at)


@activity.defn
async def compute_deadlines(batch: DeadlineBatch) -> DeadlineList:
    close = time.fromisoformat(batch.close_of_business)
    if batch.working_day_seconds:
        now = batch.now or datetime.now(UTC)
        return DeadlineList(deadlines=[_compute_demo(r, close, batch.working_day_seconds, now)
                                       for r in batch.requests])
    return DeadlineList(deadlines=[_compute(r, close) for r in batch.requests])


@activity.defn
async def shift_deadline(request: ShiftRequest) -> Deadline:
    """The same deadline, due later by the calendar days between pause and resumption (by the
    pause's length under a demonstration clock)."""
    close = time.fromisoformat(request.close_of_business)
    if request.working_day_seconds:
        due_at = request.deadline.due_at + (request.resumed_at - request.paused_at)
        due, days = london_date(due_at), (london_date(due_at) - request.deadline.due).days
    else:
        days = (london_date(request.resumed_at) - london_date(request.paused_at)).days
        due = request.deadline.due + timedelta(days=days)
        due_at = at_london(due, close)
    paused = request.deadline.state == "paused"  # a deadline missed before the pause stays so
    return request.deadline.model_copy(update={
        "due": due, "due_at": due_at, "due_text": due_at.strftime("%a %-d %b %H:%M"),
        "state": "pending" if paused else request.deadline.state,
        "note": f"moved on {days} days after a pause"})


def awareness_plan(aware_on: date, anchor_kind: str, close: time) -> list[tuple[Deadline, str]]:
    """What falls due when if the LA became aware of an incident on `aware_on` (the CLI's
    `deadlines` command), each with how it was reckoned. Later steps assume each earlier one
    happens on its last permitted day, so they show the latest the statutory clock allows."""
    def due(key: str, base: date) -> Deadline:
        return _compute(DeadlineRequest(key=key, base=base), close)

    notification = due("sin.notification", aware_on)
    anchor = aware_on if anchor_kind == "aware" else notification.due
    anchor_note = ("rapid review anchored on aware_on" if anchor_kind == "aware" else
                   f"rapid review anchored on the SIN submission: at the latest {anchor}")
    requests = due("rr.scoping_requests", anchor)
    submission = due("rr.submission", anchor)
    return [
        (notification, "aware_on + 5 working days"),
        (due("sin.local_report", aware_on), "aware_on + 5 working days"),
        (due("lac.notification", aware_on), "only for a looked-after child or care leaver"),
        (requests, f"{anchor_note}; anchor + 2 working days"),
        (due("rr.scoping_returns", requests.due), "requests sent + 5 working days"),
        (due("rr.meeting_window", anchor), "a window: anchor + 7 to + 13 working days"),
        (submission, "anchor + 15 working days"),
        (due("rr.panel_response", submission.due), "submission + 15 working days"),
        (due("lcspr.publication", submission.due),
         f"if an LCSPR is decided on {submission.due}: decision + 6 months"),
        (due("lle.report", submission.due),
         f"if a learning event is decided on {submission.due}: decision + 4 months"),
    ]
