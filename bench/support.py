"""What the benchmark scripts share: percentiles, and the local stack in a scratch directory.

Referrals, form tokens and the test keys come from tests/support.py: the same synthetic data
the tests use.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from starter.devstack import ROOT, LocalStack, Ports


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def ms(figures: dict[str, float]) -> str:
    return "  ".join(f"{k} {v * 1000:7.1f} ms" for k, v in figures.items())


@contextmanager
def running_stack(state_dir: Path, profile: str = "isle-of-wight.toml",
                  **env: str) -> Iterator[LocalStack]:
    """The same processes as `./run-local`, on free ports, with `env` besides; this process's
    Settings() reads what they read. Stopped whatever happens."""
    stack = LocalStack(state_dir, Ports.free(), extra_env={
        "TEMPORAL_TASK_QUEUE": "bench",
        "PARTNERSHIP_PROFILE": str(ROOT / "profiles" / profile), **env})
    print("starting the local stack…", flush=True)
    stack.start()
    try:
        os.environ.update({k: v for k, v in stack.env().items() if k.isupper()})
        yield stack
    finally:
        stack.stop()
