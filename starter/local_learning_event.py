"""Operator commands for a local learning event. Each sends one recording; the workflow checks
it against where the event is, and a refusal comes back here as a clear message."""

from __future__ import annotations

import typer

from domain.calendar import london_today
from domain.local_learning_event import (
    Dissemination,
    FamilyContribution,
    LleExecutive,
    LleQualityAssurance,
    LleTerms,
    LleWorkshop,
    ReportReady,
    SinInformation,
)
from starter.common import parse_recording, send_command

lle_app = typer.Typer(no_args_is_help=True, help="Record steps of a local learning event.")
LIFECYCLE = "local-learning-event"


@lle_app.command("terms")
def terms(case_ref: str,
          co_lead: list[str] = typer.Option(..., help="a co-lead's role, e.g. police "
                                                      "(give two)"),
          methodology: str = typer.Option(..., help="desktop_review | practitioner_workshop "
                                                    "| both"),
          kloe: list[str] = typer.Option(..., help="a key line of enquiry (repeatable)"),
          agency: list[str] = typer.Option(..., help="an agency asked for information "
                                                     "(repeatable)"),
          information_due: str = typer.Option(..., help="YYYY-MM-DD"),
          criminal_proceedings: bool = typer.Option(False, "--criminal-proceedings")) -> None:
    """Record the terms of reference: agencies are then asked for their information."""
    send_command(case_ref, LIFECYCLE, "record_terms",
                 parse_recording(LleTerms, co_leads=co_lead, methodology=methodology,
                                 key_lines_of_enquiry=kloe, agencies=agency,
                                 information_due=information_due,
                                 criminal_proceedings_pending=criminal_proceedings),
                 "terms of reference recorded; information requested from agencies")


@lle_app.command("workshop")
def workshop(case_ref: str, on: str = typer.Option(..., help="YYYY-MM-DD"),
             place: str = typer.Option(...)) -> None:
    """Set the practitioner workshop and invite the agencies' practitioners."""
    send_command(case_ref, LIFECYCLE, "schedule_workshop",
                 parse_recording(LleWorkshop, on=on, place=place),
                 f"workshop on {on}: invitations sent")


@lle_app.command("family")
def family(case_ref: str, sought: bool = typer.Option(..., "--sought/--not-sought"),
           rationale: str = typer.Option(...),
           police_consulted: bool = typer.Option(False, "--police-consulted")) -> None:
    """Record the LIG's decision on the child's and family's contribution."""
    send_command(case_ref, LIFECYCLE, "record_family",
                 parse_recording(FamilyContribution, sought=sought, rationale=rationale,
                                 police_consulted=police_consulted),
                 "family contribution decision recorded")


@lle_app.command("report")
def report(case_ref: str, summary: str = typer.Option(..., help="findings, without names")) -> None:
    """The final report is ready for approval: the LIG is asked to quality-assure it."""
    send_command(case_ref, LIFECYCLE, "record_report",
                 parse_recording(ReportReady, summary=summary),
                 "report recorded as ready; LIG quality assurance requested")


@lle_app.command("qa")
def qa(case_ref: str, outcome: str = typer.Option(..., help="assured | changes_required"),
       comments: str = typer.Option("")) -> None:
    """Record the LIG's quality assurance of the report."""
    send_command(case_ref, LIFECYCLE, "record_qa",
                 parse_recording(LleQualityAssurance, outcome=outcome, comments=comments),
                 f"quality assurance recorded: {outcome}")


@lle_app.command("executive")
def executive(case_ref: str, approved: bool = typer.Option(..., "--approved/--not-approved"),
              notes: str = typer.Option("")) -> None:
    """Record the Executive's decision on the report."""
    send_command(case_ref, LIFECYCLE, "record_executive",
                 parse_recording(LleExecutive, approved=approved, notes=notes),
                 "Executive decision recorded")


@lle_app.command("disseminated")
def disseminated(case_ref: str,
                 method: list[str] = typer.Option(..., help="how learning was shared "
                                                            "(repeatable)"),
                 notes: str = typer.Option("")) -> None:
    """Record how the learning was disseminated; the action plan follows."""
    send_command(case_ref, LIFECYCLE, "record_dissemination",
                 parse_recording(Dissemination, methods=method, notes=notes),
                 "dissemination recorded; the action plan starts")


@lle_app.command("sin-information")
def sin_information(case_ref: str, details: str = typer.Option(...),
                    learned_on: str | None = typer.Option(None, help="YYYY-MM-DD (default "
                                                                     "today)")) -> None:
    """New information suggests the SIN criteria are met: back to the SIN decision."""
    send_command(case_ref, LIFECYCLE, "sin_information",
                 parse_recording(SinInformation, details=details,
                                 learned_on=learned_on or london_today().isoformat()),
                 "new information recorded; the SIN decision starts")
