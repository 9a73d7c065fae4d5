"""`python -m starter`: the command line. It ends without CPython's teardown, which a
Temporal client's threads can crash (see starter/hard_exit.py)."""

from starter.action_plan_cli import action_plan_app
from starter.cli import app
from starter.hard_exit import run_then_exit
from starter.lcspr_cli import lcspr_app
from starter.lig_cli import lig_app
from starter.lle_cli import lle_app
from starter.rr_cli import rr_app

app.add_typer(rr_app, name="rr")
app.add_typer(lcspr_app, name="lcspr")
app.add_typer(lig_app, name="lig")
app.add_typer(lle_app, name="lle")
app.add_typer(action_plan_app, name="action-plan")

run_then_exit(lambda: app(prog_name="python -m starter"))
