"""Faults on real processes: the worker killed, the mail server down, the Temporal dev server
restarted from its database file. Each time the case goes on to its end point, answered only
by links, and every email the case recorded as sent was delivered exactly once.

The case: a referral for a rapid review; the LIG chair's initial view is 'do not notify', the
partners agree, so the SIN decision ends and the LIG route begins; the LIG chair chooses no
further action and the decision notices go out. Each fault strikes between sends: at a moment
when no send is in flight (a kill during the instant between the mail server's "accepted" and
the outbox ledger's write could repeat that one message, which no SMTP sender can rule out).
"""

from __future__ import annotations

import collections
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from temporalio.api.workflow.v1 import PendingActivityInfo

from domain.calendar import london_today
from starter import cases
from tests.e2e.conftest import Stack, _running
from tests.support import Mail, eventually, open_and_submit, pending_activities, referral_data

LIG_CHAIR = "lig.chair@iow.example.org"
PARTNERS = ("police.lig.rep@police.example.org", "icb.lig.rep@icb.example.org")

# Wraps one answer: the fault starts before it and is over (or repaired) after it.
Fault = Callable[[Stack, str], AbstractAsyncContextManager[None]]


@pytest.fixture
def fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own: the faults must not reach other tests' cases."""
    yield from _running(tmp_path_factory.mktemp("faults"), "isle-of-wight.toml")


async def pending_sends(stack: Stack, case_ref: str) -> list[PendingActivityInfo]:
    """The activities (sends) scheduled or running in any workflow of the case."""
    client = await stack.client()
    case = await cases.case_only(client, case_ref)
    pending: list[PendingActivityInfo] = []
    for workflow_id in [f"case-{case_ref}", *(r.workflow_id for r in case.lifecycles)]:
        pending += await pending_activities(client, workflow_id)
    return pending


async def idle(stack: Stack, case_ref: str) -> None:
    await eventually(lambda: pending_sends(stack, case_ref), lambda p: not p, timeout=120,
                     what="no send in flight")


async def answer(stack: Stack, template: str, to: str, case_ref: str, choice: str,
                 timeout: float = 60) -> Mail:
    (mail,) = await stack.mail.wait_for(template, to, case_ref=case_ref, timeout=timeout)

    async def submit() -> int:
        response = await open_and_submit(mail.links[0], {"choice": choice,
                                                         "rationale": f"{choice}: faults"})
        return response.status_code

    # While a part is coming back the page may say "try again shortly" (503): people retry.
    await eventually(submit, lambda status: status == 200, timeout=timeout,
                     what=f"{template} answered by {to}")
    return mail


async def run_case(stack: Stack, tmp_path: Path, fault: Fault) -> None:
    case_ref = stack.submit(referral_data(london_today()), tmp_path)["case_ref"]
    await stack.mail.wait_for("sin_initial_view_request", LIG_CHAIR, case_ref=case_ref,
                              timeout=60)
    await idle(stack, case_ref)
    async with fault(stack, case_ref):  # the first: the SIN decision, nobody has answered
        await answer(stack, "sin_initial_view_request", LIG_CHAIR, case_ref, "do_not_notify",
                     timeout=120)
    for partner in PARTNERS:
        await answer(stack, "sin_partner_response_request", partner, case_ref, "agree",
                     timeout=120)
    await stack.mail.wait_for("lig_route_request", LIG_CHAIR, case_ref=case_ref, timeout=120)
    await idle(stack, case_ref)
    async with fault(stack, case_ref):  # the second: a new lifecycle (the LIG route) begun
        await answer(stack, "lig_route_request", LIG_CHAIR, case_ref, "no_further_action",
                     timeout=120)
    notices = await stack.mail.wait_for("lig_decision_notice", case_ref=case_ref, count=5,
                                        timeout=120)
    assert {m.to for m in notices} >= {LIG_CHAIR, *PARTNERS}
    await idle(stack, case_ref)
    exactly_once(stack, case_ref)


def exactly_once(stack: Stack, case_ref: str) -> None:
    captured = stack.mail.find(case_ref=case_ref)
    ids = collections.Counter(str(m.msg["Message-ID"]) for m in captured)
    doubled = {i: n for i, n in ids.items() if n > 1}
    assert not doubled, f"delivered more than once: {doubled}"
    recorded = stack.show(case_ref)["messages"]
    assert len(captured) == len(recorded), (len(captured), len(recorded))
    assert set(ids) == {m["message_id"] for m in recorded}
    sent_to = collections.Counter((m.template, m.to) for m in captured)
    assert sent_to[("sin_initial_view_request", LIG_CHAIR)] == 1
    assert all(sent_to[("sin_partner_response_request", p)] == 1 for p in PARTNERS)
    assert sent_to[("lig_route_request", LIG_CHAIR)] == 1
    assert sent_to[("lig_decision_notice", LIG_CHAIR)] == 1


@asynccontextmanager
async def worker_killed(stack: Stack, case_ref: str) -> AsyncIterator[None]:
    stack.local.stop_process("worker", sig=signal.SIGKILL)  # no chance to finish anything
    stack.local.start_process("worker")
    yield


@asynccontextmanager
async def mail_server_down(stack: Stack, case_ref: str) -> AsyncIterator[None]:
    stack.local.stop_process("mail")
    yield  # the answer is recorded; the sends it leads to now fail
    await eventually(lambda: pending_sends(stack, case_ref),
                     lambda p: any(a.attempt >= 2 for a in p), timeout=60,
                     what="a send failed and retried while the mail server was down")
    stack.local.start_process("mail")


@asynccontextmanager
async def temporal_restarted(stack: Stack, case_ref: str) -> AsyncIterator[None]:
    stack.local.stop_process("temporal")
    stack.local.start_process("temporal")  # the same --db-filename: the cases are in it
    yield


async def test_worker_killed_between_sends(fault_stack: Stack, tmp_path: Path) -> None:
    await run_case(fault_stack, tmp_path, worker_killed)


async def test_mail_server_down_for_a_while(fault_stack: Stack, tmp_path: Path) -> None:
    await run_case(fault_stack, tmp_path, mail_server_down)


async def test_temporal_restarted_from_its_database(fault_stack: Stack, tmp_path: Path) -> None:
    await run_case(fault_stack, tmp_path, temporal_restarted)
    assert fault_stack.local.dead() is None  # the worker and web app rode it out
