"""Operator commands for the rapid review: the meeting, its record, the Panel's reply.

Each is a command the rapid review answers itself: it refuses what does not fit the case (a
date outside the meeting window, a record that is not quorate) with its own reason."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import typer

from domain.rapid_review import MeetingPlan, NotHeld, PanelReply, RapidReviewOutcome
from starter.common import fail, parse_recording, read_json_object, send_command

rr_app = typer.Typer(no_args_is_help=True, help="Record steps of the rapid review.")
LIFECYCLE = "rapid-review"


@rr_app.command("meeting")
def meeting(case_ref: str, on: str = typer.Option(..., help="YYYY-MM-DD"),
            at: str = typer.Option("10:00", help="HH:MM"),
            place: str = typer.Option("to be confirmed")) -> None:
    """Set the meeting date (inside anchor +7 to +13 WD) and send the invitations."""
    try:
        plan = MeetingPlan(on=date.fromisoformat(on), at=time.fromisoformat(at), place=place)
    except ValueError as err:
        fail(f"--on/--at: {err}")
    send_command(case_ref, LIFECYCLE, "set_meeting", plan,
                 f"meeting set for {plan.on} at {plan.at:%H:%M}; invitations sent")


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
    send_command(case_ref, LIFECYCLE, "record_outcome", record,
                 "rapid review record accepted; sent for ratification")


@rr_app.command("not-held")
def not_held(case_ref: str, rationale: str = typer.Option(...)) -> None:
    """Record the partners' decision not to hold a rapid review; the Panel is told why."""
    send_command(case_ref, LIFECYCLE, "record_not_held",
                 parse_recording(NotHeld, rationale=rationale),
                 "decision not to hold a rapid review recorded")


@rr_app.command("panel-reply")
def panel_reply(case_ref: str,
                reply: str = typer.Option(..., help="national_review | more_information | "
                                                    "content"),
                notes: str = typer.Option("")) -> None:
    """Record the National Panel's reply to the rapid review."""
    if reply not in ("national_review", "more_information", "content"):
        fail(f"--reply must be national_review, more_information or content (got '{reply}')")
    send_command(case_ref, LIFECYCLE, "record_panel_reply",
                 parse_recording(PanelReply, reply=reply, notes=notes),
                 f"Panel reply '{reply}' recorded")
