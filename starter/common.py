"""What every command of the CLI shares: reading files and recordings, running against
Temporal, and sending a command to a case and printing its receipt (or its refusal, exit 2)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.case import LifecycleView, case_workflow_id
from domain.commands import Receipt
from domain.profile import ProfileInvalid
from domain.settings import SettingMissing, Settings
from starter import cases
from starter.codec import PayloadKeysInvalid
from starter.commands import CaseNotAnswering, CommandRefused, send
from starter.connection import connect, payload_codec

# Written by `python -m starter dev`: a CLI in another terminal finds the local stack's keys
# and its profile (the demonstration one under --demo) here. The environment always wins.
LOCAL_SECRETS = Path(".local") / "secrets.env"
LOCAL_SETTINGS = Path(".local") / "local.env"

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def read_json(file: Path) -> Any:
    """A file's JSON, or a clear refusal naming the file."""
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"{file}: no such file")
    except IsADirectoryError:
        fail(f"{file}: is a directory, not a JSON file")
    except UnicodeDecodeError as err:
        fail(f"{file}: not UTF-8 text (byte {err.start}); save it as UTF-8 JSON")
    except json.JSONDecodeError as err:
        fail(f"{file}: not valid JSON ({err})")
    except RecursionError:
        fail(f"{file}: nested too deeply to be a referral")


def read_json_object(file: Path) -> dict[str, Any]:
    """A JSON object from a file, or a clear refusal naming the file."""
    data = read_json(file)
    if not isinstance(data, dict):
        fail(f"{file}: must hold a JSON object")
    return data


def parse_recording(model: type[M], what: str = "refused", **values: Any) -> M:
    """Validate an operator's recording, or refuse it naming each bad field."""
    try:
        return model.model_validate(values)
    except ValidationError as err:
        fail(f"{what}:\n" + "\n".join(
            f"  {'.'.join(str(p) for p in e['loc']) or '(record)'}: "
            f"{str(e['msg']).removeprefix('Value error, ')}" for e in err.errors()))


def run(action: Callable[[Settings, Client], Awaitable[T]], case_ref: str | None = None) -> T:
    """Load settings, connect, run; turn expected failures into clear messages. A command the
    case refuses exits 2 with the case's own reason."""
    try:
        settings = Settings(_env_file=(LOCAL_SETTINGS, LOCAL_SECRETS))  # type: ignore[call-arg]
        settings.profile  # noqa: B018 - validate before touching Temporal
        payload_codec(settings)
    except (ProfileInvalid, SettingMissing, PayloadKeysInvalid) as err:
        fail(str(err))
    except ValidationError as err:
        fail("configuration: " + "; ".join(
            f"{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in err.errors()))

    async def go() -> T:
        return await action(settings, await connect(settings))

    try:
        return asyncio.run(go())
    except CommandRefused as err:
        fail(f"{case_ref + ': ' if case_ref else ''}refused: {err.reason}")
    except CaseNotAnswering as err:
        fail(f"{err}: nothing was recorded. Is the worker running? Try again.", 1)
    except cases.CaseNotFound as err:
        fail(f"no such case (workflow {err} not found)", 1)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            fail(f"not found, or already finished: {err.message}", 1)
        fail(f"Temporal refused or did not answer ({err.status.name}): {err.message}", 1)
    except RuntimeError as err:
        if "connect" in str(err).lower():
            fail(f"cannot reach Temporal at {settings.temporal_address}: {err}", 1)
        raise


async def require_lifecycle(client: Client, case_ref: str, name: str) -> LifecycleView:
    """The case's lifecycle of that name, or a clear refusal when it has none."""
    case, lifecycles = await cases.case_view(client, case_ref)
    lifecycle = cases.latest_lifecycle(lifecycles, name)
    if lifecycle is not None:
        return lifecycle
    fail(f"{case_ref}: has no {name} lifecycle (stage: {case.stage})")


def send_command(case_ref: str, lifecycle: str | None, update: str, arg: BaseModel,
                 done: str) -> Receipt:
    """Send a command to a lifecycle of the case (or, with None, the case itself), print what
    it did, or exit 2 with the case's reason for refusing it."""
    async def go(settings: Settings, client: Client) -> Receipt:
        workflow_id = (case_workflow_id(case_ref) if lifecycle is None else
                       (await require_lifecycle(client, case_ref, lifecycle)).workflow_id)
        return await send(client.get_workflow_handle(workflow_id), update, arg)

    receipt = run(go, case_ref)
    typer.echo(f"{case_ref}: {done}")
    echo_sent([receipt])
    return receipt


def echo_sent(receipts: list[Receipt]) -> None:
    for receipt in receipts:
        for message in receipt.sent:
            typer.echo(f"  {receipt.lifecycle}: emailed {', '.join(message.to)} "
                       f"({message.template})")


