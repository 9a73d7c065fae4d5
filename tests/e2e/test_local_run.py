"""`./run-local` (`python -m starter dev`) stopped with Ctrl-C while it is still starting: the
parts already started run in their own sessions and never see the Ctrl-C, so it must stop
them itself, or they keep the ports and the next `./run-local` cannot start."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from starter.devstack import ROOT

# The product's own entry point, on free ports so that it runs beside a developer's stack.
PROGRAM = """
import sys
from pathlib import Path
from starter.devstack import Ports, run_local_stack
from starter.hard_exit import run_then_exit
run_then_exit(lambda: sys.exit(run_local_stack(Path(sys.argv[1]), Ports.free())))
"""


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "term"])
def test_stopped_while_starting_leaves_nothing_running(tmp_path: Path,
                                                       stop: signal.Signals) -> None:
    dev = subprocess.Popen([sys.executable, "-c", PROGRAM, str(tmp_path)], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 60
        while not started and time.monotonic() < deadline:  # the dev server is the first part
            started = psutil.Process(dev.pid).children(recursive=True)
            time.sleep(0.05)
        assert started, "nothing was started"
        dev.send_signal(stop)
        out, err = dev.communicate(timeout=60)
    finally:
        dev.kill()
    _, alive = psutil.wait_procs(started, timeout=10)
    for part in alive:  # so that a failure here leaves nothing for the tests after it
        part.kill()
    assert not alive, f"still running after the stop: {[part.pid for part in alive]}"
    assert dev.returncode == 130, err
    assert "Running." not in out and "Stopping before everything had started" in err
