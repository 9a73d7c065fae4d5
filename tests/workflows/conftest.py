"""Workflow tests: the real worker on the time-skipping test server, mail to a real SMTP
capture server on loopback.

Each test gets its own test server (about 0.3 s to start). Time skipping is server-wide: a
workflow, task or activity left behind by one test (its worker gone) keeps time locked, and a
later test's `env.sleep` then hangs until the RPC times out. Isolation removes that flake at
its cause instead of cleaning up after each test and hoping nothing was missed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from temporalio.testing import WorkflowEnvironment

from domain.profile import BUNDLED_PROFILES
from starter.connection import ensure_search_attributes
from starter.devstack import free_port
from tests.support import Mailbox, encrypting_converter
from tests.workflows.harness import TEST_SERVER, Harness, RefusingCapture, running_harness


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=encrypting_converter())
    # The same registration the worker does on start (python worker.py).
    await ensure_search_attributes(environment.client, "default")
    yield environment
    await environment.shutdown()


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[tuple[Mailbox, int]]:
    port = free_port()
    handler = RefusingCapture(tmp_path / "mail")
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    box = Mailbox(tmp_path / "mail")
    box.refuse = handler.refuse  # type: ignore[attr-defined]
    yield box, port
    controller.stop()

@pytest.fixture
async def harness(env: WorkflowEnvironment, mailbox: tuple[Mailbox, int],
                  request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """The Isle of Wight profile: the rapid review is anchored on the SIN submission."""
    async for h in running_harness(env, mailbox, request, BUNDLED_PROFILES / "isle-of-wight.toml"):
        yield h


@pytest.fixture
async def hampshire_harness(env: WorkflowEnvironment, mailbox: tuple[Mailbox, int],
                            request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """The Hampshire profile: its own SIN decision process (summaries of involvement, LIG
    recommendation, the partners decide)."""
    async for h in running_harness(env, mailbox, request, BUNDLED_PROFILES / "hampshire.toml"):
        yield h


@pytest.fixture
async def wm_harness(env: WorkflowEnvironment, mailbox: tuple[Mailbox, int],
                     request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """The West Midlands profile: the rapid review is anchored on aware_on, so it starts as
    soon as the partners decide to notify."""
    async for h in running_harness(env, mailbox, request, BUNDLED_PROFILES / "west-midlands.toml"):
        yield h
