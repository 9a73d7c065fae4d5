"""End-to-end: the dev server, worker, web app and SMTP capture as real processes (the same
LocalStack that `python -m starter dev` runs), on free ports in a temporary directory."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client

from domain.profile import BUNDLED_PROFILES
from starter.devstack import ROOT, LocalStack, Ports
from tests.support import (
    OPERATOR_TOKEN,
    PAYLOAD_KEYS,
    SIGNING_KEY,
    Mailbox,
    encrypting_converter,
)


class Stack:
    def __init__(self, local: LocalStack):
        self.local = local
        self.mail = Mailbox(local.mail_dir)
        self.web = local.web_url

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([sys.executable, "-m", "starter", *args], cwd=ROOT,
                                env=self.local.env(), capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"starter {' '.join(args)} exited {result.returncode}:\n"
                                 f"{result.stderr}")
        return result

    def submit(self, data: dict[str, Any], tmp: Path) -> dict[str, str]:
        path = tmp / "referral.json"
        path.write_text(json.dumps(data))
        return dict(json.loads(self.cli("referral", "submit", str(path)).stdout))

    async def client(self) -> Client:
        """A Temporal client as the product's own parts make one (payloads decrypted)."""
        return await Client.connect(self.local.env()["TEMPORAL_ADDRESS"],
                                    data_converter=encrypting_converter())

    def show(self, case_ref: str) -> dict[str, Any]:
        return dict(json.loads(self.cli("case", "show", case_ref, "--json").stdout))


def _local_stack(tmp: Path, profile: str) -> LocalStack:
    return LocalStack(tmp, Ports.free(), extra_env={
        "LINK_SIGNING_KEY": SIGNING_KEY, "INTAKE_API_TOKEN": "e2e-intake-token",
        "PAYLOAD_KEYS": PAYLOAD_KEYS, "OPERATOR_TOKEN": OPERATOR_TOKEN,
        "TEMPORAL_TASK_QUEUE": "e2e", "PARTNERSHIP_PROFILE": str(BUNDLED_PROFILES / profile)})


def _running(tmp: Path, profile: str) -> Iterator[Stack]:
    local = _local_stack(tmp, profile)
    try:
        local.start()
        yield Stack(local)
    finally:
        local.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The Isle of Wight profile (rapid review anchored on the SIN submission)."""
    yield from _running(tmp_path_factory.mktemp("stack"), "isle-of-wight.toml")


@pytest.fixture(scope="module")
def wm_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The West Midlands profile (rapid review anchored on aware_on)."""
    yield from _running(tmp_path_factory.mktemp("wm-stack"), "west-midlands.toml")
