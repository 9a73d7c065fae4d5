"""Send a command to a case and read its answer: the workflow's receipt, or its refusal.

Both front doors (the CLI and the web app) send commands through `send`, so a refusal reaches
them the same way: as `CommandRefused`, carrying the workflow's own words.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar, overload

from pydantic import BaseModel
from temporalio.client import (
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.commands import Receipt

R = TypeVar("R", bound=BaseModel)

# How long a caller waits for the case to take a command: the worker answers in well under a
# second; past this it is down or swamped, and the command was not recorded.
ANSWER_TIMEOUT = timedelta(seconds=30)


class CommandRefused(Exception):
    """The case would not take the command; `reason` says why. Nothing was recorded."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class CaseNotAnswering(Exception):
    """The case did not take the command in time (the worker is down?): nothing was recorded,
    and the same command can be sent again."""


@overload
async def send(handle: WorkflowHandle[Any, Any], update: str, arg: BaseModel) -> Receipt: ...


@overload
async def send(handle: WorkflowHandle[Any, Any], update: str, arg: BaseModel,
               result_type: type[R]) -> R: ...


async def send(handle: WorkflowHandle[Any, Any], update: str, arg: BaseModel,
               result_type: type[BaseModel] = Receipt) -> BaseModel:
    try:
        return await handle.execute_update(update, arg, result_type=result_type,
                                           rpc_timeout=ANSWER_TIMEOUT)
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        raise CommandRefused(cause.message if isinstance(cause, ApplicationError)
                             else str(cause or err)) from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise CaseNotAnswering(f"{handle.id} did not answer within "
                               f"{ANSWER_TIMEOUT.seconds} s") from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:  # it finished since the caller looked
            raise CommandRefused("that part of the case has finished") from None
        raise
