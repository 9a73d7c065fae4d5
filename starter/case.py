"""Operator commands on a case as a whole: intake, the views, absences, links sent again,
closing.

    python -m starter referral submit FILE.json
    python -m starter case show CASE_REF [--json] | case list [--json] | case close CASE_REF
    python -m starter case absent CASE_REF ROLE [--back]   |   case resend CASE_REF [--role ROLE]
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from temporalio.client import Client

from domain.case import (
    CloseCase,
    MarkAbsent,
    ResendLinks,
    case_workflow_id,
)
from domain.commands import Receipt
from domain.profile import ProfileInvalid
from domain.referral import ReferralInvalid
from domain.settings import Settings
from starter import cases, render
from starter.commands import CommandRefused, send
from starter.common import echo_sent, fail, read_json, run, send_command

referral_app = typer.Typer(no_args_is_help=True, help="Register referrals.")
case_app = typer.Typer(no_args_is_help=True, help="Look at and act on cases.")


@referral_app.command("submit")
def referral_submit(file: Path) -> None:
    """Validate a referral JSON file and start its case; prints {case_ref, workflow_id}."""
    # Not read_json_object: a non-object is the referral's own '(body)' problem, reported
    # alongside the rest by the referral's validation.
    data = read_json(file)
    try:
        settings = Settings()
        referral = cases.validate_referral(data, settings)
    except ProfileInvalid as err:
        fail(str(err))
    except ReferralInvalid as err:
        lines = [f"  {p.field}: {p.message}" for p in err.problems]
        fail("referral refused; nothing was started:\n" + "\n".join(lines))

    async def start(settings: Settings, client: Client) -> tuple[str, str]:
        return await cases.start_case(client, settings, referral)

    case_ref, workflow_id = run(start)
    typer.echo(json.dumps({"case_ref": case_ref, "workflow_id": workflow_id}))


@case_app.command("show")
def case_show(case_ref: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """The whole case: stage, deadlines, decisions and messages."""
    async def show(settings: Settings, client: Client) -> dict[str, Any]:
        return cases.case_json(*await cases.case_view(client, case_ref))

    data = run(show)
    typer.echo(json.dumps(data, indent=2) if as_json else render.case_text(data))


@case_app.command("list")
def case_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Open cases, the soonest deadline first."""
    async def listing(settings: Settings, client: Client) -> list[dict[str, Any]]:
        return await cases.list_cases(client)

    rows = run(listing)
    typer.echo(json.dumps(rows, indent=2) if as_json else render.case_list_text(rows))


@case_app.command("absent")
def case_absent(case_ref: str, role: str,
                back: bool = typer.Option(False, "--back", help="The person is back.")) -> None:
    """Mark a role's holder absent on the case: their open questions go to the role's
    deputies, and the lifecycles the case starts later write to the deputies too."""
    async def mark(settings: Settings, client: Client) -> list[Receipt]:
        absence = MarkAbsent(role=role, absent=not back)
        # The case first: a lifecycle it starts from now on begins with the absence.
        receipts: list[Receipt] = [await send(
            client.get_workflow_handle(case_workflow_id(case_ref)), "mark_absent", absence)]
        case = await cases.case_only(client, case_ref)
        for ref in case.lifecycles:  # every running one hands that role's questions over
            if ref.name in case.active:
                receipts.append(await send(client.get_workflow_handle(ref.workflow_id),
                                           "mark_absent", absence))
        return receipts

    receipts = run(mark, case_ref)
    typer.echo(f"{role} marked {'back' if back else 'absent'} on {case_ref}")
    echo_sent(receipts)


@case_app.command("resend")
def case_resend(
    case_ref: str,
    role: str | None = typer.Option(
        None, "--role", help="Only the links held for this role (e.g. police, agency:health)."),
) -> None:
    """Send the links of the case's open questions again, each with a fresh expiry: for a
    partner whose link has expired or whose email went astray."""
    async def resend(settings: Settings, client: Client) -> list[Receipt]:
        case = await cases.case_only(client, case_ref)
        receipts: list[Receipt] = []
        refusals: list[str] = []
        for ref in case.lifecycles:
            if ref.name in case.active:
                try:
                    receipts.append(await send(client.get_workflow_handle(ref.workflow_id),
                                               "resend_links", ResendLinks(role=role)))
                except CommandRefused as err:
                    refusals.append(err.reason)
        if not receipts:
            raise CommandRefused("; ".join(refusals) or "no part of the case is running")
        return receipts

    receipts = run(resend, case_ref)
    typer.echo(f"sending {sum(len(r.sent) for r in receipts)} link(s) again on {case_ref}:")
    echo_sent(receipts)


@case_app.command("close")
def case_close(case_ref: str, reason: str = typer.Option(..., "--reason")) -> None:
    """Close a case (after its lifecycles have finished)."""
    send_command(case_ref, None, "close", CloseCase(reason=reason), "closed")


