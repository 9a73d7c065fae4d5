"""What the benchmark scripts share: free ports, a referral, percentiles, a local stack."""

from __future__ import annotations

import json
import os
import socket
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from domain.calendar import london_today
from starter.devstack import ROOT, LocalStack, Ports


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def referral(on: date | None = None) -> dict[str, Any]:
    """The example referral (synthetic), received, aware and incident all on one day."""
    day = (on or london_today()).isoformat()
    data: dict[str, Any] = json.loads((ROOT / "examples" / "referral.json").read_text())
    data.update(received_on=day, aware_on=day, incident_on=day)
    return data


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def ms(figures: dict[str, float]) -> str:
    return "  ".join(f"{k} {v * 1000:7.1f} ms" for k, v in figures.items())


def local_stack(state_dir: Path, profile: str = "isle-of-wight.toml") -> LocalStack:
    """The same processes as `./run-local`, on free ports, in a scratch directory."""
    ports = Ports(temporal=free_port(), ui=free_port(), smtp=free_port(), web=free_port(),
                  http=free_port(), metrics=free_port())
    return LocalStack(state_dir, ports, extra_env={
        "TEMPORAL_TASK_QUEUE": "bench",
        "PARTNERSHIP_PROFILE": str(ROOT / "profiles" / profile)})


@contextmanager
def running_stack(state_dir: Path) -> Iterator[LocalStack]:
    """Start the local stack, let this process's Settings() read what its processes read,
    and stop it whatever happens."""
    stack = local_stack(state_dir)
    print("starting the local stack…", flush=True)
    stack.start()
    try:
        os.environ.update({k: v for k, v in stack.env().items() if k.isupper()})
        yield stack
    finally:
        stack.stop()
