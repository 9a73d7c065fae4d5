"""The bare Temporal floor for the round trip: a workflow that only keeps the last answer.

Updates: answer(Echo) -> Echo (a link's answer is an update too)
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

    @workflow.update
    def answer(self, echo: Echo) -> Echo:
        self.value = echo
        return echo
