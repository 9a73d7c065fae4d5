"""Operator commands for the LIG route: the LIG's decision and disputes about it."""

from __future__ import annotations

import typer

from domain.lig_triage import Dispute, DisputeReview, LigDecision
from starter.common import parse_recording, send_command

lig_app = typer.Typer(no_args_is_help=True, help="Record the LIG's decision and disputes.")


@lig_app.command("decision")
def decision(case_ref: str,
             outcome: str = typer.Option(..., help="local_learning_event | other_workstream | "
                                                   "single_agency_learning | no_further_action"),
             rationale: str = typer.Option(...)) -> None:
    """Record the LIG's decision after its discussion or the leads meeting."""
    send_command(case_ref, "lig-triage", "record_decision",
                 parse_recording(LigDecision, decision=outcome, rationale=rationale),
                 f"LIG decision recorded: {outcome}")


@lig_app.command("dispute")
def dispute(case_ref: str, raised_by: str = typer.Option(..., help="la | police | icb"),
            grounds: str = typer.Option(...)) -> None:
    """A partner disputes the LIG decision: collective review due within 3 WD."""
    send_command(case_ref, "lig-triage", "raise_dispute",
                 parse_recording(Dispute, raised_by=raised_by, grounds=grounds),
                 "dispute recorded; collective review due within 3 working days")


@lig_app.command("dispute-review")
def dispute_review(case_ref: str, outcome: str = typer.Option(..., help="agreed | no_agreement"),
                   decision: str | None = typer.Option(None, help="what was agreed"),
                   rationale: str = typer.Option(...)) -> None:
    """Record the collective review; without agreement the Partnership Chair decides."""
    send_command(case_ref, "lig-triage", "record_dispute_review",
                 parse_recording(DisputeReview, outcome=outcome, decision=decision,
                                 rationale=rationale),
                 f"collective review recorded: {outcome}")
