"""Operator commands for the LCSPR. Each sends one recording to the review as an update; the
workflow checks it against where the review is (the 7-working-day rule for publication
included), and a refusal comes back here with its reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from pydantic import BaseModel

from domain.case import CommissionLcspr
from domain.lcspr import (
    ExecutiveApproval,
    FamilyRecord,
    NewInformation,
    Pause,
    Publication,
    PublicationPlan,
    QualityAssurance,
    Reviewer,
    Revision,
    TermsOfReference,
    Workshop,
)
from starter.common import fail, parse_recording, read_json_object, send_command

lcspr_app = typer.Typer(no_args_is_help=True, help="Record steps of the LCSPR.")


def _send(case_ref: str, signal: str, arg: BaseModel, done: str) -> None:
    send_command(case_ref, "lcspr", signal, arg, done)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: '{value}' is not a date (YYYY-MM-DD)")


@lcspr_app.command("start")
def start(case_ref: str, decided_on: str = typer.Option(..., help="YYYY-MM-DD"),
          kloe: list[str] | None = typer.Option(None, help="a key line of enquiry "
                                                           "(repeatable)")) -> None:
    """Commission an LCSPR for a case (when no rapid review recommended one)."""
    commission = CommissionLcspr(decided_on=_day(decided_on, "--decided-on"),
                                 key_lines_of_enquiry=kloe or [])

    send_command(case_ref, None, "commission_lcspr", commission,
                 f"LCSPR commissioned from {commission.decided_on}")


@lcspr_app.command("reviewer")
def reviewer(case_ref: str, name: str = typer.Option(...), email: str = typer.Option(...),
             kind: str = typer.Option(..., help="external | internal"),
             conflict_of_interest_declared: bool = typer.Option(False, "--coi-declared"),
             conflict_details: str = typer.Option(""),
             cv: bool = typer.Option(False, "--cv-received"),
             reference: bool = typer.Option(False, "--reference-taken"),
             insurance: bool = typer.Option(False, "--insurance-confirmed")) -> None:
    """Appoint the reviewer; the Panel, Ofsted and DfE are told their name."""
    arg = parse_recording(Reviewer, name=name, email=email, kind=kind,
                 conflict_of_interest_declared=conflict_of_interest_declared,
                 conflict_of_interest_details=conflict_details, cv_received=cv,
                 reference_taken=reference, insurance_confirmed=insurance)
    _send(case_ref, "appoint_reviewer", arg, f"reviewer {name} appointed")


@lcspr_app.command("remove-reviewer")
def remove_reviewer(case_ref: str, reason: str = typer.Option(...)) -> None:
    """Remove the reviewer (the LIG may, before publication)."""
    _send(case_ref, "remove_reviewer", parse_recording(NewInformation, details=reason),
          "reviewer removed")


@lcspr_app.command("terms")
def terms(case_ref: str, file: Path) -> None:
    """Record the terms of reference (JSON); agency requests go out with their due dates."""
    _send(case_ref, "record_terms", parse_recording(TermsOfReference, **read_json_object(file)),
          "terms of reference recorded; agency requests sent")


@lcspr_app.command("revision")
def revision(case_ref: str, agency: str = typer.Option(...),
             work: str = typer.Option(..., help="chronology | information_report"),
             due: str = typer.Option(...), request: str = typer.Option(...)) -> None:
    """Ask an agency for a revised chronology or information report."""
    arg = parse_recording(Revision, agency=agency, work=work, due=due, request=request)
    _send(case_ref, "request_revision", arg, f"revision requested from {agency}")


@lcspr_app.command("family")
def family(case_ref: str, member: str = typer.Option(..., help="relationship, e.g. mother"),
           status: str = typer.Option(...), reason: str = typer.Option(""),
           police_agreed_timing: bool = typer.Option(False, "--police-agreed-timing")) -> None:
    """Record a step of family engagement (reasons when a member does not take part)."""
    arg = parse_recording(FamilyRecord, member=member, status=status, reason=reason,
                 police_agreed_timing=police_agreed_timing)
    _send(case_ref, "record_family", arg, f"family engagement recorded ({member}: {status})")


@lcspr_app.command("workshop")
def workshop(case_ref: str,
             kind: str = typer.Option(..., help="learning_workshop | practitioner_feedback"),
             on: str = typer.Option(...), place: str = typer.Option("to be confirmed")) -> None:
    """Invite agencies and the reviewer to the learning workshop or feedback session."""
    _send(case_ref, "schedule_workshop", parse_recording(Workshop, kind=kind, on=on, place=place),
          f"{kind.replace('_', ' ')} on {on}: invitations sent")


@lcspr_app.command("draft")
def draft(case_ref: str, note: str = typer.Option("draft received")) -> None:
    """Record the reviewer's draft; the LIG is asked to quality-assure it."""
    _send(case_ref, "record_draft", parse_recording(NewInformation, details=note), "draft recorded")


@lcspr_app.command("qa")
def qa(case_ref: str, outcome: str = typer.Option(..., help="approved | changes_needed"),
       notes: str = typer.Option("")) -> None:
    """Record the LIG's quality assurance; approval sends the report to the partners."""
    _send(case_ref, "record_qa", parse_recording(QualityAssurance, outcome=outcome, notes=notes),
          f"LIG quality assurance: {outcome}")


@lcspr_app.command("executive")
def executive(case_ref: str, approved_on: str = typer.Option(...)) -> None:
    """Record the Executive's approval of report, response, action plan and publication plan."""
    _send(case_ref, "record_executive", parse_recording(ExecutiveApproval, approved_on=approved_on),
          "Executive approval recorded")


@lcspr_app.command("plan-publication")
def plan_publication(case_ref: str, on: str = typer.Option(...),
                     report_url: str = typer.Option(...)) -> None:
    """Plan the publication date; the full report goes to the Panel, DfE and Ofsted now."""
    day = _day(on, "--on")
    _send(case_ref, "plan_publication",
          parse_recording(PublicationPlan, on=day, report_url=report_url),
          f"publication planned for {day}; full report sent to the Panel, DfE and Ofsted")


@lcspr_app.command("published")
def published(case_ref: str, on: str = typer.Option(...), url: str = typer.Option(...),
              reviewer_named: bool = typer.Option(True, "--reviewer-named/--reviewer-not-named"),
              improvements_only: bool = typer.Option(False, "--improvements-only"),
              justification: str = typer.Option("")) -> None:
    """Record the publication; the report goes to the NSPCC repository."""
    arg = parse_recording(Publication, on=on, url=url, reviewer_named=reviewer_named,
                 improvements_only=improvements_only, justification=justification)
    _send(case_ref, "record_publication", arg, f"published on {on}")


@lcspr_app.command("pause")
def pause(case_ref: str,
          reason: str = typer.Option(..., help="criminal_investigation | inquest | prosecution "
                                               "| other"),
          details: str = typer.Option(...)) -> None:
    """Pause for parallel proceedings; the Panel and DfE are told why."""
    _send(case_ref, "pause", parse_recording(Pause, reason=reason, details=details),
          "review paused")


@lcspr_app.command("resume")
def resume(case_ref: str, note: str = typer.Option("resumed")) -> None:
    """Resume after a pause: the publication date moves on by the pause's length."""
    _send(case_ref, "resume", parse_recording(NewInformation, details=note), "review resumed")


@lcspr_app.command("new-information")
def new_information(case_ref: str, details: str = typer.Option(...)) -> None:
    """New information suggests a national review: the Panel is informed."""
    _send(case_ref, "new_information", parse_recording(NewInformation, details=details),
          "the Panel has been informed")
