"""Command line: referral intake, case views and the operator's recordings.

    python -m starter referral submit FILE.json
    python -m starter case show CASE_REF [--json] | case list [--json] | case close CASE_REF
    python -m starter case absent CASE_REF ROLE [--back]   |   case resend CASE_REF [--role ROLE]
    python -m starter sin meeting CASE_REF --outcome notify|do_not_notify|unresolved --rationale T
    python -m starter sin reference CASE_REF REFERENCE
    python -m starter web [--host H] [--port P]   |   python -m starter dev
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.deadlines import awareness_plan
from domain.calendar import london_today
from domain.case import (
    CloseCase,
    LifecycleView,
    MarkAbsent,
    MeetingOutcome,
    ResendLinks,
    SubmissionReference,
    case_workflow_id,
)
from domain.commands import Receipt
from domain.profile import ProfileInvalid
from domain.referral import ReferralInvalid
from domain.settings import SettingMissing, Settings
from starter import cases, render
from starter.codec import PayloadKeysInvalid, new_key_entry
from starter.commands import CaseNotAnswering, CommandRefused, send
from starter.connection import connect, payload_codec, worker_polling_here
from starter.saved_queries import saved_queries

# Written by `python -m starter dev`: a CLI in another terminal finds the local stack's keys
# and its profile (the demonstration one under --demo) here. The environment always wins.
LOCAL_SECRETS = Path(".local") / "secrets.env"
LOCAL_SETTINGS = Path(".local") / "local.env"

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
referral_app = typer.Typer(no_args_is_help=True, help="Register referrals.")
case_app = typer.Typer(no_args_is_help=True, help="Look at and act on cases.")
sin_app = typer.Typer(no_args_is_help=True, help="Record steps of the SIN decision.")
app.add_typer(referral_app, name="referral")
app.add_typer(case_app, name="case")
app.add_typer(sin_app, name="sin")

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def fail(message: str, code: int = 2) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def read_json(file: Path) -> Any:
    """A file's JSON, or a clear refusal naming the file."""
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"{file}: no such file")
    except IsADirectoryError:
        fail(f"{file}: is a directory, not a JSON file")
    except UnicodeDecodeError as err:
        fail(f"{file}: not UTF-8 text (byte {err.start}); save it as UTF-8 JSON")
    except json.JSONDecodeError as err:
        fail(f"{file}: not valid JSON ({err})")
    except RecursionError:
        fail(f"{file}: nested too deeply to be a referral")
    raise AssertionError("unreachable")


def read_json_object(file: Path) -> dict[str, Any]:
    """A JSON object from a file, or a clear refusal naming the file."""
    data = read_json(file)
    if not isinstance(data, dict):
        fail(f"{file}: must hold a JSON object")
    return data


def parse_recording(model: type[M], what: str = "refused", **values: Any) -> M:
    """Validate an operator's recording, or refuse it naming each bad field."""
    try:
        return model.model_validate(values)
    except ValidationError as err:
        fail(f"{what}:\n" + "\n".join(
            f"  {'.'.join(str(p) for p in e['loc']) or '(record)'}: "
            f"{str(e['msg']).removeprefix('Value error, ')}" for e in err.errors()))
    raise AssertionError("unreachable")


def run(action: Callable[[Settings, Client], Awaitable[T]], case_ref: str | None = None) -> T:
    """Load settings, connect, run; turn expected failures into clear messages. A command the
    case refuses exits 2 with the case's own reason."""
    try:
        settings = Settings(_env_file=(LOCAL_SETTINGS, LOCAL_SECRETS))  # type: ignore[call-arg]
        settings.profile  # noqa: B018 - validate before touching Temporal
        payload_codec(settings)
    except (ProfileInvalid, SettingMissing, PayloadKeysInvalid) as err:
        fail(str(err))
    except ValidationError as err:
        fail("configuration: " + "; ".join(
            f"{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in err.errors()))

    async def go() -> T:
        return await action(settings, await connect(settings))

    try:
        return asyncio.run(go())
    except CommandRefused as err:
        fail(f"{case_ref + ': ' if case_ref else ''}refused: {err.reason}")
    except CaseNotAnswering as err:
        fail(f"{err}: nothing was recorded. Is the worker running? Try again.", 1)
    except cases.CaseNotFound as err:
        fail(f"no such case (workflow {err} not found)", 1)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            fail(f"not found, or already finished: {err.message}", 1)
        fail(f"Temporal refused or did not answer ({err.status.name}): {err.message}", 1)
    except RuntimeError as err:
        if "connect" in str(err).lower():
            fail(f"cannot reach Temporal at {settings.temporal_address}: {err}", 1)
        raise
    raise AssertionError("unreachable")


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


async def require_lifecycle(client: Client, case_ref: str, name: str) -> LifecycleView:
    """The case's lifecycle of that name, or a clear refusal when it has none."""
    case, lifecycles = await cases.case_view(client, case_ref)
    lifecycle = cases.latest_lifecycle(lifecycles, name)
    if lifecycle is not None:
        return lifecycle
    fail(f"{case_ref}: has no {name} lifecycle (stage: {case.stage})")
    raise AssertionError("unreachable")


def send_command(case_ref: str, lifecycle: str | None, update: str, arg: BaseModel,
                 done: str) -> Receipt:
    """Send a command to a lifecycle of the case (or, with None, the case itself), print what
    it did, or exit 2 with the case's reason for refusing it."""
    async def go(settings: Settings, client: Client) -> Receipt:
        workflow_id = (case_workflow_id(case_ref) if lifecycle is None else
                       (await require_lifecycle(client, case_ref, lifecycle)).workflow_id)
        return await send(client.get_workflow_handle(workflow_id), update, arg)

    receipt = run(go, case_ref)
    typer.echo(f"{case_ref}: {done}")
    echo_sent([receipt])
    return receipt


def echo_sent(receipts: list[Receipt]) -> None:
    for receipt in receipts:
        for message in receipt.sent:
            typer.echo(f"  {receipt.lifecycle}: emailed {', '.join(message.to)} "
                       f"({message.template})")


@app.command("deadlines")
def deadlines(aware_on: str = typer.Option(..., help="the day the LA became aware, "
                                                     "YYYY-MM-DD"),
              as_json: bool = typer.Option(False, "--json")) -> None:
    """If we became aware on this day, what is due when? (the partnership's profile decides
    where the rapid review is anchored)"""
    try:
        day = date.fromisoformat(aware_on)
    except ValueError:
        fail(f"--aware-on: '{aware_on}' is not a date (YYYY-MM-DD)")
    try:
        profile = Settings().profile
    except ProfileInvalid as err:
        fail(str(err))
    rows = awareness_plan(day, profile.partnership.rapid_review_anchor,
                          profile.partnership.close_of_business)
    if as_json:
        typer.echo(json.dumps([{"key": d.key, "label": d.label, "due": d.due.isoformat(),
                                "due_at": d.due_at.isoformat(),
                                "opens": d.opens.isoformat() if d.opens else None,
                                "reckoned": note} for d, note in rows], indent=2))
        return
    typer.echo(render.awareness_text(day, profile.partnership.name, rows))


@app.command("ui-queries")
def ui_queries() -> None:
    """Saved views for the Temporal UI, with today's dates filled in (the UI has no relative
    dates): paste each into the workflow list's query box and save it."""
    for name, query in saved_queries(london_today()):
        typer.echo(f"{name}:\n  {query}\n")


@app.command("health")
def health() -> None:
    """Exit 0 when a worker on this host polls the task queue (a container healthcheck)."""
    async def check(settings: Settings, client: Client) -> bool:
        return await worker_polling_here(client, settings.temporal_task_queue,
                                         socket.gethostname())

    if not run(check):
        fail("no worker on this host is polling the task queue", 1)
    typer.echo("worker is polling")


@app.command("new-payload-key")
def new_payload_key(key_id: str) -> None:
    """Print a new PAYLOAD_KEYS entry (id:key). To rotate, put it first and keep the old."""
    if not key_id or not all(c.isalnum() or c in "-_." for c in key_id):
        fail("KEY_ID: letters, digits, '-', '_' or '.' only (e.g. 2026a)")
    typer.echo(new_key_entry(key_id))


@app.command("web")
def web(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the web app (intake API and the pages behind email links)."""
    import uvicorn

    from web.app import create_app

    try:
        web_app = create_app()
    except (ProfileInvalid, SettingMissing, PayloadKeysInvalid) as err:
        fail(str(err))
    uvicorn.run(web_app, host=host, port=port, log_level="info",
                access_log=False)  # access logs would contain link tokens


@app.command("dev")
def dev(state_dir: Path = Path(".local"),
        demo: bool = typer.Option(False, "--demo", help="Use the demonstration profile, "
                                  "whose working day lasts three minutes.")) -> None:
    """Run the whole product locally: Temporal dev server + UI, mail capture, worker, web."""
    from starter.devstack import DEMO_PROFILE, run_local_stack

    sys.exit(run_local_stack(state_dir, profile=DEMO_PROFILE if demo else None))


@app.command("mailcapture")
def mailcapture(directory: Path, host: str = "127.0.0.1", port: int = 1025) -> None:
    """A loopback SMTP server that keeps every message it receives as a .eml file."""
    from starter.mailcapture import serve_forever

    serve_forever(directory, host, port)
