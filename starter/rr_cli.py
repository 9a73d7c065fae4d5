"""Operator commands for the rapid review: the meeting, its record, the Panel's reply."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import typer
from temporalio.client import Client

from domain.calendar import london_today
from domain.case import LifecycleView
from domain.rapid_review import (
    MeetingPlan,
    NotHeld,
    PanelReply,
    RapidReviewOutcome,
    meeting_date_problem,
    outcome_problems,
)
from domain.settings import Settings
from starter.cli import fail, parse_recording, read_json_object, require_lifecycle, run

rr_app = typer.Typer(no_args_is_help=True, help="Record steps of the rapid review.")
LIFECYCLE = "rapid-review"


async def _rr(client: Client, case_ref: str) -> LifecycleView:
    return await require_lifecycle(client, case_ref, LIFECYCLE)


def _window(view: LifecycleView):  # noqa: ANN202 - Deadline
    return next(d for d in view.deadlines if d.key == "rr.meeting_window")


async def _signal(client: Client, case_ref: str, name: str, arg: object) -> None:
    view = await _rr(client, case_ref)
    await client.get_workflow_handle(view.workflow_id).signal(name, arg)


@rr_app.command("meeting")
def meeting(case_ref: str, on: str = typer.Option(..., help="YYYY-MM-DD"),
            at: str = typer.Option("10:00", help="HH:MM"),
            place: str = typer.Option("to be confirmed")) -> None:
    """Set the meeting date (inside anchor +7 to +13 WD) and send the invitations."""
    try:
        plan = MeetingPlan(on=date.fromisoformat(on), at=time.fromisoformat(at), place=place)
    except ValueError as err:
        fail(f"--on/--at: {err}")

    async def go(settings: Settings, client: Client) -> None:
        view = await _rr(client, case_ref)
        if view.step != "meeting":
            fail(f"{case_ref}: the meeting can no longer be set (rapid review step: {view.step})")
        problem = meeting_date_problem(plan.on, _window(view))
        if problem:
            fail(f"{case_ref}: {problem}")
        await _signal(client, case_ref, "set_meeting", plan)

    run(go)
    typer.echo(f"{case_ref}: meeting set for {plan.on} at {plan.at:%H:%M}; invitations sent")


@rr_app.command("outcome")
def outcome(case_ref: str, file: Path,
            held_on: str | None = typer.Option(
                None, "--held-on", help="YYYY-MM-DD: the meeting's date, in place of the "
                                        "file's (one template file serves many meetings)")
            ) -> None:
    """Record the meeting's outcome (the Rapid Review Template, as JSON)."""
    values = read_json_object(file)
    if held_on is not None:
        values["held_on"] = held_on
    record = parse_recording(RapidReviewOutcome, "rapid review record refused", **values)

    async def go(settings: Settings, client: Client) -> None:
        view = await _rr(client, case_ref)
        if view.step not in ("meeting", "revising the record after an objection"):
            fail(f"{case_ref}: not expecting a record now (rapid review step: {view.step})")
        problems = outcome_problems(record, _window(view), settings.profile,
                                    _agencies(view), today=london_today())
        if problems:
            fail("rapid review record refused:\n" + "\n".join(f"  {p}" for p in problems))
        await _signal(client, case_ref, "record_outcome", record)

    run(go)
    typer.echo(f"{case_ref}: rapid review record accepted; sent for ratification")


def _agencies(view: LifecycleView) -> list[str]:
    """The agencies asked for scoping are those expected at the meeting."""
    return [q.roles[0].removeprefix("agency:") for q in view.questions
            if q.kind == "scoping_return"]


@rr_app.command("not-held")
def not_held(case_ref: str, rationale: str = typer.Option(...)) -> None:
    """Record the partners' decision not to hold a rapid review; the Panel is told why."""
    async def go(settings: Settings, client: Client) -> None:
        view = await _rr(client, case_ref)
        if view.step != "meeting":
            fail(f"{case_ref}: too late to decide not to hold it (step: {view.step})")
        await _signal(client, case_ref, "record_not_held", NotHeld(rationale=rationale))

    run(go)
    typer.echo(f"{case_ref}: decision not to hold a rapid review recorded")


@rr_app.command("panel-reply")
def panel_reply(case_ref: str,
                reply: str = typer.Option(..., help="national_review | more_information | "
                                                    "content"),
                notes: str = typer.Option("")) -> None:
    """Record the National Panel's reply to the rapid review."""
    if reply not in ("national_review", "more_information", "content"):
        fail(f"--reply must be national_review, more_information or content (got '{reply}')")

    async def go(settings: Settings, client: Client) -> None:
        view = await _rr(client, case_ref)
        if view.step != "awaiting the Panel's reply":
            fail(f"{case_ref}: not awaiting the Panel's reply (step: {view.step})")
        await _signal(client, case_ref, "record_panel_reply",
                      PanelReply(reply=reply, notes=notes))  # type: ignore[arg-type]

    run(go)
    typer.echo(f"{case_ref}: Panel reply '{reply}' recorded")
