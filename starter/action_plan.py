"""Operator commands for an action plan: recommendations, actions and their progress."""

from __future__ import annotations

import typer

from domain.action_plan import ActionUpdate, AgreePlan, NewAction, NewRecommendation
from starter.common import parse_recording, send_command

action_plan_app = typer.Typer(no_args_is_help=True,
                              help="Record an action plan and its progress.")
LIFECYCLE = "action-plan"


@action_plan_app.command("recommendation")
def recommendation(case_ref: str, text: str = typer.Option(..., help="SMART, without "
                                                                     "names")) -> None:
    """Add a recommendation (numbered R1, R2, ... in order)."""
    send_command(case_ref, LIFECYCLE, "add_recommendation",
                 parse_recording(NewRecommendation, text=text), "recommendation added")


@action_plan_app.command("action")
def action(case_ref: str, recommendation: int = typer.Option(..., help="its number, e.g. 1"),
           description: str = typer.Option(...), owner_name: str = typer.Option(...),
           owner_email: str = typer.Option(...), owner_agency: str = typer.Option(""),
           target: str = typer.Option(..., help="target date YYYY-MM-DD")) -> None:
    """Add an action: its owner is reminded before the target date, and the LIG told if late."""
    send_command(case_ref, LIFECYCLE, "add_action",
                 parse_recording(NewAction, recommendation=recommendation,
                                 description=description, owner_name=owner_name,
                                 owner_email=owner_email, owner_agency=owner_agency,
                                 target_date=target),
                 "action added")


@action_plan_app.command("update")
def update(case_ref: str, action: int = typer.Option(..., help="the action's number"),
           progress: str = typer.Option(...),
           rag: str = typer.Option(..., help="red | amber | green"),
           evidence: str = typer.Option("", help="evidence of impact"),
           implemented: bool = typer.Option(False, "--implemented"),
           new_target: str | None = typer.Option(None, help="a revised target date")) -> None:
    """Record progress on an action; --implemented (with --evidence) completes it."""
    send_command(case_ref, LIFECYCLE, "update_action",
                 parse_recording(ActionUpdate, action=action, progress=progress, rag=rag,
                                 evidence_of_impact=evidence, implemented=implemented,
                                 new_target_date=new_target),
                 f"action {action} updated")


@action_plan_app.command("agree")
def agree(case_ref: str, agreed_by: str = typer.Option(..., help="e.g. 'Executive, "
                                                                 "12 May'")) -> None:
    """The plan is complete and agreed: it concludes once every action is implemented."""
    send_command(case_ref, LIFECYCLE, "agree_plan",
                 parse_recording(AgreePlan, agreed_by=agreed_by), "action plan agreed")
