"""The bare Temporal floor for the round trip: a workflow that only keeps the last signal.

Signals: answer(Echo)
Queries: last() -> Echo
"""

from __future__ import annotations

from pydantic import BaseModel
from temporalio import workflow


class Echo(BaseModel):
    n: int


@workflow.defn
class EchoWorkflow:
    @workflow.init
    def __init__(self, start: Echo) -> None:
        self.value = start

    @workflow.run
    async def run(self, start: Echo) -> Echo:
        await workflow.wait_condition(lambda: self.value.n < 0)
        return self.value

    @workflow.signal
    def answer(self, echo: Echo) -> None:
        self.value = echo

    @workflow.query
    def last(self) -> Echo:
        return self.value
