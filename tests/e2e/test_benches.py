"""The benchmark scripts, run small, as the README runs them: they must keep working and keep
printing every figure the README quotes. Their figures are not judged here (bench/ measures)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from starter.devstack import ROOT


def bench(*args: str) -> str:
    run = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, f"{' '.join(args)} exited {run.returncode}:\n{run.stderr}"
    return run.stdout


def figure(output: str, label: str) -> float:
    found = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)", output, re.MULTILINE)
    assert found, f"no {label!r} figure in:\n{output}"
    return float(found[1])


def test_throughput_drives_every_case_to_publication() -> None:
    out = bench("bench.throughput", "--cases", "2")  # the dev server, a demonstration clock
    assert "on the dev server" in out
    assert figure(out, "dev server CPU") > 0
    assert figure(out, "wall time") > 0
    assert figure(out, "workflow tasks") > 100
    assert figure(out, "emails sent") >= 2 * 50  # every partner and agency of both cases
    assert figure(out, "worker CPU") > 0
    for lifecycle in ("case", "sin-decision", "rapid-review", "lcspr"):
        assert figure(out, lifecycle) > 20, lifecycle


def test_throughput_on_the_test_server_profiles_the_worker(tmp_path: Path) -> None:
    table = tmp_path / "worker.md"
    out = bench("bench.throughput", "--cases", "1", "--server", "test", "--profile", str(table))
    assert "on the time-skipping test server" in out
    assert figure(out, "emails sent") >= 50
    profile = table.read_text()
    shares = re.findall(r"^\| ([^|]+?) \|\s+([\d.]+)% \|$", profile, re.MULTILINE)
    assert any(what.startswith("email") for what, _ in shares), profile
    assert 99 <= sum(float(share) for _, share in shares) <= 101, profile


def test_round_trip_prints_ours_the_floor_and_the_ratio() -> None:
    out = bench("bench.round_trip", "--answers", "20")
    assert re.search(r"p50\s+[\d.]+ ms\s+p95\s+[\d.]+ ms\s+p99\s+[\d.]+ ms", out), out
    assert re.search(r"p50\s+[\d.]+x", out), out


def test_idle_cost_prints_memory_cpu_and_replay() -> None:
    out = bench("bench.idle_cost", "--cases", "3", "--quiet-seconds", "2")
    assert figure(out, "worker memory (RSS)") > 10
    assert re.search(r"worker CPU idle\s+[\d.]+ %", out), out
    assert figure(out, "its replay") > 0
