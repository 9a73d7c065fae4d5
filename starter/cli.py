"""Command line: every review's commands, registered in one place, and the operator's tools.

    python -m starter referral|case|sin|rr|lcspr|lig|lle|action-plan ...   (starter/<review>.py)
    python -m starter deadlines --aware-on DATE | ui-queries | health | new-payload-key KEY_ID
    python -m starter web [--host H] [--port P]   |   python -m starter dev
"""

from __future__ import annotations

import json
import socket
import sys
from datetime import date
from pathlib import Path

import typer
from temporalio.client import Client

from activities.deadlines import awareness_plan
from domain.calendar import london_today
from domain.profile import ProfileInvalid
from domain.settings import SettingMissing, Settings
from starter import render
from starter.action_plan import action_plan_app
from starter.case import case_app, referral_app
from starter.codec import PayloadKeysInvalid, new_key_entry
from starter.common import fail, run
from starter.connection import worker_polling_here
from starter.lcspr import lcspr_app
from starter.lig_triage import lig_app
from starter.local_learning_event import lle_app
from starter.rapid_review import rr_app
from starter.saved_queries import saved_queries
from starter.sin_decision import sin_app

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
for group, name in ((referral_app, "referral"), (case_app, "case"), (sin_app, "sin"),
                    (rr_app, "rr"), (lcspr_app, "lcspr"), (lig_app, "lig"), (lle_app, "lle"),
                    (action_plan_app, "action-plan")):
    app.add_typer(group, name=name)


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
