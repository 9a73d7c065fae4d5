"""Ending a program that holds a Temporal client without CPython's teardown.

The Temporal client's Rust runtime threads can race CPython's finalisation and crash a process
at exit, after its work is done (temporalio/sdk-python #300, open): seen here as SIGSEGV in
about one CLI run in four under load, and in a benchmark run in CI after it had finished. So a
program that holds a client runs its main, flushes what it wrote, and leaves with `os._exit`
and the exit status Python itself would have given.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn


def exit_status(exit_: SystemExit) -> int:
    """The status Python gives for `sys.exit(code)`: a message is printed and means 1."""
    if exit_.code is None or isinstance(exit_.code, int):
        return exit_.code or 0
    print(exit_.code, file=sys.stderr)
    return 1


def run_then_exit(main: Callable[[], object]) -> NoReturn:
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = exit_status(exit_)
    except KeyboardInterrupt:
        code = 130  # as a shell reports a program stopped by Ctrl-C
    except BaseException:  # noqa: BLE001 - reported as Python reports it, then its status
        traceback.print_exc()
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
