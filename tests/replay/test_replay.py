"""Running cases must survive upgrades: every recorded history (tests/histories/, made by
scripts/record-histories) replays against today's workflow code without a determinism error.
A change that breaks one needs workflow.patched(), not a re-recording. Histories recorded
since payloads were encrypted hold ciphertext under the test keys; older ones are plain."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.support import encrypting_converter
from worker import WORKFLOWS, workflow_runner

ROOT = Path(__file__).parent.parent / "histories"
HISTORIES = sorted(ROOT.glob("*/*.json"))


def test_there_are_histories_of_every_workflow_type() -> None:
    kinds = {path.name.rsplit(".", 2)[-2] for path in ROOT.glob("current/*.json")}
    assert kinds >= {"case", "sin-decision", "rapid-review", "lcspr", "lig-triage",
                     "local-learning-event", "action-plan", "sin-decision-2"}
    assert len(list(ROOT.glob("v1-before-rapid-review/*.json"))) >= 10


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
async def test_history_replays(path: Path) -> None:
    replayer = Replayer(workflows=WORKFLOWS, data_converter=encrypting_converter(),
                        workflow_runner=workflow_runner())
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
