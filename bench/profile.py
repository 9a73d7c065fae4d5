"""Where a process's CPU goes: py-spy samples it from outside while a bench runs, and the
samples are summed into a short table by what the worker was doing (the first rule a stack
matches) and by function (inclusive and self time).

    with profiled(pid, Path("worker.md"), "heading"): ...   # the bench's run

The shares are of busy time: py-spy leaves out threads it sees idle, and this table leaves
out two waits py-spy counts as running (the event loop in epoll, a pool thread waiting for
work).
"""

from __future__ import annotations

import collections
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# (what the worker was doing, a frame that shows it): the first that matches a stack wins.
ACTIVITIES = [
    ("sandbox: a workflow module imported afresh", "_create_workflow_instance"),
    ("outbox ledger (SQLite)", "activities/outbox.py"),
    ("email: render and compose", "_compose"),
    ("email: SMTP conversation", "_deliver"),
    ("email: the rest of the send", "send_email"),
    ("deadline activities", "activities/deadlines.py"),
    ("payloads: codec and conversion", "PayloadVisitor"),
    ("payloads: codec and conversion", "starter/codec.py"),
    ("workflow code in the sandbox", "_RunningWorkflow.activate"),
    ("workflow code in the sandbox", "workflow_sandbox"),
    ("workflow tasks: SDK around them", "temporalio/worker/_workflow.py"),
    ("activity tasks: SDK around them", "temporalio/worker/_activity.py"),
    ("talking to Temporal (SDK bridge)", "temporalio/bridge"),
    ("event loop: waking, sockets", "asyncio/"),
    ("threads handing work over", "concurrent/futures"),
]
LINE = re.compile(r":\d+\)")
RATE = 200  # samples a second
WAITING = ("EpollSelector.select (selectors.py)", "_worker (concurrent/futures/thread.py)")
# Frames every stack passes through (the event loop, threads, the entry point): no news.
GENERIC = ("(asyncio/", "(threading.py)", "(concurrent/futures/", "(worker.py)",
           "(starter/hard_exit.py)", "(<frozen importlib._bootstrap>)", "<module> (<string>)")


@contextmanager
def profiled(pid: int, profile: Path | None, heading: str) -> Iterator[None]:
    """With `profile`, the process sampled all through the block, and the table written there
    (py-spy's own samples beside it, as .raw, for a flame graph); without, nothing."""
    if profile is None:
        yield
        return
    raw = profile.with_suffix(".raw")
    raw.unlink(missing_ok=True)  # an earlier run's samples are not this run's
    spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p",
                            str(pid), "-r", str(RATE), "-f", "raw", "-o", str(raw),
                            "--nonblocking"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    time.sleep(1)  # attached before the run starts
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(60)
    profile.write_text(f"# {heading}\n\n{table(raw)}")


def stacks(raw: Path) -> Iterator[tuple[list[str], int]]:
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            yield [LINE.sub(")", frame) for frame in stack.split(";")], int(count)


def table(raw: Path, functions: int = 25) -> str:
    if not raw.exists():
        return ("py-spy wrote no samples: it could not attach to the worker (it needs leave to "
                "trace another process: ptrace)\n")
    doing: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for frames, count in stacks(raw):
        if frames[-1] in WAITING:
            continue
        total += count
        joined = ";".join(frames)
        doing[next((what for what, frame in ACTIVITIES if frame in joined), "other")] += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    if not total:
        return "no samples\n"

    def share(count: int) -> str:
        return f"{count / total * 100:5.1f}%"

    out = [f"{total} samples of a busy thread ({RATE} a second)", "",
           "| the worker was | share |", "|---|---|"]
    out += [f"| {what} | {share(n)} |" for what, n in doing.most_common()]
    out += ["", "| function (file) | inclusive | self |", "|---|---|---|"]
    out += [f"| `{frame}` | {share(n)} | {share(own[frame])} |"
            for frame, n in inclusive.most_common(functions * 3)
            if not any(generic in frame for generic in GENERIC)][:functions]
    return "\n".join(out) + "\n"
