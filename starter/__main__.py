"""`python -m starter`: the command line. It ends without CPython's teardown, which a
Temporal client's threads can crash (see starter/hard_exit.py)."""

from starter.cli import app
from starter.hard_exit import run_then_exit

run_then_exit(lambda: app(prog_name="python -m starter"))
