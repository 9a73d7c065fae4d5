"""Helpers shared by the test suites: referrals, captured mail, links, waiting."""

from __future__ import annotations

import asyncio
import html
import inspect
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowHandle, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode

from domain.links import LinkClaims, LinkSigner
from starter.codec import EncryptionCodec, data_converter, parse_keys
from starter.commands import CommandRefused, send
from web.mailbox import read, respond_links, text_body

FIXTURES = Path(__file__).parent / "fixtures"
SIGNING_KEY = "test-signing-key-0123456789abcdef"
# The characters of a link token's parts (URL-safe base64); "." separates the parts.
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Test-only payload keys (never used outside tests): the first encrypts, both decrypt.
PAYLOAD_KEYS = ("test-2:s_ob_tU52SuvCYTwDmUfeoSpaqri0m36Mw4rJooyDGw=,"
                "test-1:ZEKVnUq7hrHJ3dWL2-QXYeGKmWX_2Ol7UFxfgStorp0=")
OPERATOR_TOKEN = "test-operator-token-0123456789"
# Everything personal in the test referral: none of it may leak where it must not.
PERSONAL = ("Zephyrine", "Testcase", "Quillfeather", "2025-08-14", "1999-01-05", "1997-11-20",
            "Marigold", "Bartholomew")


def referral_data(on: date, **changes: Any) -> dict[str, Any]:
    """The fixture referral, dated `on` (received, aware and incident all that day)."""
    data = json.loads((FIXTURES / "referral.json").read_text())
    data.update(received_on=on.isoformat(), aware_on=on.isoformat(), incident_on=on.isoformat())
    for key, value in changes.items():
        if key.startswith("child_"):
            data["child"][key.removeprefix("child_")] = value
        else:
            data[key] = value
    return data


def encrypting_converter() -> DataConverter:
    """What the worker, CLI and web app use, with the test keys."""
    return data_converter(EncryptionCodec(parse_keys(PAYLOAD_KEYS)))


@dataclass
class Mail:
    path: Path
    msg: EmailMessage

    @property
    def to(self) -> str:
        return str(self.msg["To"])

    @property
    def template(self) -> str:
        return str(self.msg["X-Template"])

    @property
    def subject(self) -> str:
        return str(self.msg["Subject"])

    @property
    def text(self) -> str:
        return text_body(self.msg)

    @property
    def raw(self) -> str:
        return self.path.read_bytes().decode("utf-8", "replace")

    @property
    def links(self) -> list[str]:
        return respond_links(self.msg)


class Mailbox:
    def __init__(self, directory: Path):
        self.directory = directory

    def all(self) -> list[Mail]:
        return [Mail(p, read(p)) for p in sorted(self.directory.glob("*.eml"))]

    def find(self, template: str | None = None, to: str | None = None,
             case_ref: str | None = None) -> list[Mail]:
        return [m for m in self.all()
                if (template is None or m.template == template)
                and (to is None or m.to.lower() == to.lower())
                and (case_ref is None or m.msg["X-Case-Ref"] == case_ref)]

    async def wait_for(self, template: str, to: str | None = None, count: int = 1,
                       case_ref: str | None = None, timeout: float = 20) -> list[Mail]:
        return await eventually(lambda: self.find(template, to, case_ref),
                                lambda found: len(found) >= count, timeout,
                                f"{count} x {template} to {to or 'anyone'}")


_FORM_TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


def form_token(page: str) -> str:
    """The hidden form token on a link's page (what a browser submits with the form)."""
    match = _FORM_TOKEN.search(page)
    assert match, "the page has no form token"
    return html.unescape(match.group(1))


async def open_and_submit(url: str, form: dict[str, str]) -> httpx.Response:
    """What a person does: open the link (GET), then submit the form on that page (POST)."""
    async with httpx.AsyncClient(timeout=30) as http:
        page = await http.get(url)
        assert page.status_code == 200, page.text
        assert "<form" in page.text
        assert page.headers["referrer-policy"] == "same-origin"
        return await http.post(url, data={**form, "csrf": form_token(page.text)})


def claims_of(url: str) -> LinkClaims:
    return LinkSigner(SIGNING_KEY).verify(url.rsplit("/", 1)[1])


async def eventually(probe: Callable[[], Any], ok: Callable[[Any], bool],
                     timeout: float = 20, what: str = "condition") -> Any:
    """Poll until ok(probe()) or fail with the last value seen (real time, not test time).
    `probe` may be sync or async; an exception (e.g. a workflow not started yet) counts as
    'not yet'."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = probe()
            if inspect.isawaitable(value):
                value = await value
            if ok(value):
                return value
        except Exception as err:  # noqa: BLE001 - reported below if it never clears
            value = err
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value: {value!r}")
        await asyncio.sleep(0.1)


async def runs(client: Client, workflow_id: str) -> AsyncIterator[WorkflowHistory]:
    """Each run's history, latest first, following continue-as-new back."""
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        yield history
        started = history.events[0].workflow_execution_started_event_attributes
        run_id = started.continued_execution_run_id or None
        if run_id is None:
            return


async def history_lengths(client: Client, workflow_id: str) -> list[int]:
    """Events in each run of the workflow, latest first."""
    return [len(history.events) async for history in runs(client, workflow_id)]


async def pending_activities(client: Client, workflow_id: str) -> list[PendingActivityInfo]:
    """The workflow's activities scheduled or running; none once it is gone. A raw describe:
    the SDK's describe() cannot decode the time-skipping server's datetimes."""
    try:
        described = await client.workflow_service.describe_workflow_execution(
            DescribeWorkflowExecutionRequest(
                namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)))
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return []
        raise
    return list(described.pending_activities)


UPDATE_EVENTS = (EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED,
                 EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
                 EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED)


async def updates_in_history(handle: WorkflowHandle[Any, Any]) -> int:
    history = await handle.fetch_history()
    return sum(1 for event in history.events if event.event_type in UPDATE_EVENTS)


async def refusal(handle: WorkflowHandle[Any, Any], update: str, arg: BaseModel) -> str:
    """Send a command the workflow must refuse; its reason, once shown that the refusal left
    nothing in the workflow's history (a validator's refusal writes no event)."""
    before = await updates_in_history(handle)
    try:
        await send(handle, update, arg)
    except CommandRefused as refused:
        assert await updates_in_history(handle) == before, f"{update} left an event"
        return refused.reason
    raise AssertionError(f"{update} was accepted")
