"""The loop of a lifecycle driven by the team's recordings (learning events, action plans).

Recordings only check and record, and queue the work they ask for; the loop performs it, acts
once on each deadline's reminder and due instant, and sleeps until the next of them or new
work. A long-lived loop continues as new after a quiet spell, carrying its state.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.state import LoopState


QUIET = timedelta(minutes=2)
Timer = tuple[datetime, str, str]  # (when, deadline key or "summary", "remind" | "due")
Work = Callable[[], Awaitable[None]]


class EventLoop:
    def __init__(self, state: LoopState, watched: Callable[[str], bool],
                 events_per_run: int = 1500):
        self.state = state
        self.watched = watched  # which deadline keys this loop reminds about and escalates
        self.events_per_run = events_per_run
        # Work queued and not yet done. Never carried over continue-as-new, which waits for
        # the queue to be empty.
        self.queue: list[tuple[str, Work]] = []

    def then(self, name: str, work: Work) -> None:
        """Queue work a recording asks for (letters, requests, deadlines), to be performed
        in order by the loop: a recording never waits on an activity, so is never half done."""
        self.queue.append((name, work))

    def queued(self, name: str) -> bool:
        return any(queued == name for queued, _ in self.queue)

    async def perform_queued(self) -> None:
        while self.queue:
            _, work = self.queue.pop(0)
            await work()
            self.state.performed += 1

    async def performed(self) -> None:
        """Wait until all work queued so far (a command's own among it) is performed."""
        mark = self.state.performed + len(self.queue)
        await workflow.wait_condition(lambda: self.state.performed >= mark)

    def timers(self, *extra: Timer) -> list[Timer]:
        """Reminders and due instants still to act on, soonest first."""
        todo = list(extra)
        for key, deadline in self.state.deadlines.items():
            if deadline.state != "pending" or not self.watched(key):
                continue
            if deadline.remind_at and key not in self.state.reminded:
                todo.append((deadline.remind_at, key, "remind"))
            if key not in self.state.escalated:
                todo.append((deadline.due_at, key, "due"))
        return sorted(todo)

    def due_now(self, *extra: Timer) -> list[Timer]:
        """The timers whose instant has come, each marked so it is acted on once."""
        now, due = workflow.now(), []
        for timer in self.timers(*extra):
            when, key, kind = timer
            if when > now:
                break
            if key in self.state.deadlines:
                (self.state.reminded if kind == "remind" else self.state.escalated).append(key)
            due.append(timer)
        return due

    async def wait_for_work(self, *extra: Timer) -> None:
        timers = self.timers(*extra)
        timeout = summary = None
        if timers:
            when, key, kind = timers[0]
            timeout = max(when - workflow.now(), timedelta(0))
            deadline = self.state.deadlines.get(key)
            summary = (f"{kind}: {deadline.label}, due {deadline.due_text}" if deadline
                       else f"next {key}")
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: bool(self.queue), timeout=timeout,
                                          timeout_summary=summary)

    async def time_to_continue_as_new(self) -> bool:
        """After a quiet spell in a long run: nobody is mid-conversation with it then (a query
        racing the hand-over is not answered on every server)."""
        info = workflow.info()
        if self.queue or not (info.is_continue_as_new_suggested()
                                      or info.get_current_history_length()
                                      > self.events_per_run):
            return False
        if info.get_current_history_length() > 2 * self.events_per_run:
            return True
        try:
            await workflow.wait_condition(lambda: bool(self.queue), timeout=QUIET,
                                          timeout_summary="quiet before continuing as new")
        except TimeoutError:
            return True
        return False
