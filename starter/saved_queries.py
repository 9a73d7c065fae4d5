"""The Temporal UI as a case board: list queries over our search attributes (CaseRef,
CaseStage, NextDeadline, PartnershipCode), dated for the day they are asked for."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from domain.calendar import LONDON, add_working_days

RUNNING = "ExecutionStatus = 'Running'"


def _iso(day: date, clock: time = time(0, 0)) -> str:
    return datetime.combine(day, clock, tzinfo=LONDON).isoformat()


def saved_queries(today: date) -> list[tuple[str, str]]:
    monday = today - timedelta(days=today.weekday())
    day_10 = add_working_days(today, -10)
    return [
        ("Cases with a deadline this week",
         f"{RUNNING} AND NextDeadline BETWEEN '{_iso(monday)}' AND "
         f"'{_iso(monday + timedelta(days=6), time(23, 59))}'"),
        ("Overdue (a deadline passed and not done)",
         f"{RUNNING} AND NextDeadline < '{_iso(today)}'"),
        ("Rapid reviews past day 10",
         f"{RUNNING} AND WorkflowType = 'RapidReviewWorkflow' AND StartTime < '{_iso(day_10)}'"),
        ("Open cases by stage (edit the stage)",
         f"{RUNNING} AND WorkflowType = 'CaseWorkflow' AND CaseStage = 'rapid_review'"),
        ("Everything about one case (edit the reference)", "CaseRef = 'IOW-2026-7K3F'"),
    ]
