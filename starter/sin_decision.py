"""Operator commands for the SIN decision: the resolution meeting, the submission reference.

    python -m starter sin meeting CASE_REF --outcome notify|do_not_notify|unresolved --rationale T
    python -m starter sin reference CASE_REF REFERENCE
"""

from __future__ import annotations

import typer

from domain.sin_decision import MeetingOutcome, SubmissionReference
from starter.common import fail, parse_recording, send_command

sin_app = typer.Typer(no_args_is_help=True, help="Record steps of the SIN decision.")


@sin_app.command("meeting")
def sin_meeting(case_ref: str,
                outcome: str = typer.Option(..., help="notify | do_not_notify | unresolved"),
                rationale: str = typer.Option(...)) -> None:
    """Record the outcome of the resolution meeting."""
    if outcome not in ("notify", "do_not_notify", "unresolved"):
        fail(f"--outcome must be notify, do_not_notify or unresolved (got '{outcome}')")

    meeting = parse_recording(MeetingOutcome, outcome=outcome, rationale=rationale)
    send_command(case_ref, "sin-decision", "record_meeting", meeting,
                 f"meeting outcome '{outcome}' recorded")


@sin_app.command("reference")
def sin_reference(case_ref: str, reference: str) -> None:
    """Record the SIN submission reference on the LA's behalf."""
    send_command(case_ref, "sin-decision", "record_reference",
                 parse_recording(SubmissionReference, reference=reference),
                 "submission reference recorded")


