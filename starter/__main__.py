"""`python -m starter`: the command line.

The Temporal client's Rust runtime threads can race CPython's finalisation and crash a
short-lived client process at exit, after its work is done (temporalio/sdk-python #300; seen
here as SIGSEGV in about one CLI run in four under load). So once the command has finished,
output is flushed and the interpreter's teardown is skipped.
"""

import logging
import os
import sys
import traceback

from starter.action_plan_cli import action_plan_app
from starter.cli import app
from starter.lcspr_cli import lcspr_app
from starter.lig_cli import lig_app
from starter.lle_cli import lle_app
from starter.rr_cli import rr_app

app.add_typer(rr_app, name="rr")
app.add_typer(lcspr_app, name="lcspr")
app.add_typer(lig_app, name="lig")
app.add_typer(lle_app, name="lle")
app.add_typer(action_plan_app, name="action-plan")


def main() -> None:
    code = 0
    try:
        app(prog_name="python -m starter")
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported, then the same exit as Python's own
        traceback.print_exc()
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


main()
