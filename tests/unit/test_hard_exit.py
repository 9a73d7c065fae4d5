"""Ending without CPython's teardown must still end as Python would: the same exit status, and
nothing written lost (`os._exit` drops what sits in a buffer, and a pipe's stdout is buffered)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from starter.devstack import ROOT

PROGRAM = """
import logging, sys
from starter.hard_exit import run_then_exit

def main():
    print("written before the end", end="")  # no newline, no flush: it sits in the buffer
    logging.basicConfig(stream=sys.stderr)
    logging.getLogger("case").warning("logged before the end")
    {ending}

run_then_exit(main)
"""


def run(ending: str) -> subprocess.CompletedProcess[str]:
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-c", PROGRAM.format(ending=ending)], cwd=ROOT,
                          env=buffered, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("ending", "status", "on_stderr"), [
    ("return None", 0, ""),
    ("sys.exit()", 0, ""),
    ("sys.exit(3)", 3, ""),
    ("sys.exit('no case IOW-2026-XXXX')", 1, "no case IOW-2026-XXXX"),
    ("raise ValueError('a fault')", 1, "ValueError: a fault"),
    ("raise KeyboardInterrupt", 130, ""),
], ids=["returns", "exit-none", "exit-3", "exit-message", "fault", "ctrl-c"])
def test_status_and_output_are_python_own(ending: str, status: int, on_stderr: str) -> None:
    result = run(ending)
    assert result.returncode == status, result.stderr
    assert result.stdout == "written before the end"
    assert "logged before the end" in result.stderr
    assert on_stderr in result.stderr
    assert ("Traceback" in result.stderr) == ending.startswith("raise ValueError")


def test_teardown_is_skipped() -> None:
    # What makes it safe from the client threads' crash: nothing runs after the program's end.
    result = run("import atexit; atexit.register(lambda: print('teardown ran'))")
    assert result.returncode == 0
    assert "teardown ran" not in result.stdout
