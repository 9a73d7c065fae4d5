"""How time passes for the throughput bench's cases, on each kind of server.

The time-skipping test server moves time on when asked, a day at a time, every timer firing on
the way. The dev server keeps real time: there the cases run on a demonstration profile whose
working day lasts seconds (`[demo_clock]`, as `./run-local --demo` does), so their statutory
timers are real timers on the server, and the driver waits for a date only where a step needs
it (the rapid review meeting must fall in its window).
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, date, datetime, timedelta

from google.protobuf.empty_pb2 import Empty
from temporalio.api.testservice.v1 import SleepRequest
from temporalio.client import Client

from domain.calendar import LONDON, london_date

GIVE_UP_AFTER = timedelta(hours=4)  # on any one wait: a case, a move of time, a result


def progress(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class SkippingClock:
    """The test server's clock: the driver moves it past the meeting and the publication date."""

    publication_lead = timedelta(days=21)

    def __init__(self, client: Client):
        self.service = client.service_client.test_service

    async def now(self) -> datetime:
        reply = await self.service.get_current_time(Empty())
        return reply.time.ToDatetime().replace(tzinfo=UTC)

    async def past_meeting(self, opens: date) -> None:
        await self.past(opens)

    async def past_publication(self, planned: date) -> None:
        await self.past(planned)

    async def past(self, day: date) -> None:
        """On to the day after `day`."""
        await self.move(day - london_date(await self.now()) + timedelta(days=1))

    async def move(self, by: timedelta) -> None:
        """A day at a time, each day one call with a long deadline, on the driver's connection
        without keep-alive pings: the server can be busy for minutes at N=1,000, and a call
        given up and made again would unlock time skipping twice and unbalance its count."""
        until = await self.now() + by
        while (left := until - await self.now()) > timedelta(0):
            began, request = time.perf_counter(), SleepRequest()
            request.duration.FromTimedelta(min(left, timedelta(days=1)))
            await self.service.unlock_time_skipping_with_sleep(request, timeout=GIVE_UP_AFTER)
            progress(f"time is now {await self.now():%Y-%m-%d %H:%M} "
                     f"({time.perf_counter() - began:.1f} s to move)")


class RealClock:
    """The dev server's clock, which nobody moves. The meeting is held once its window's first
    day has come (at once, unless the window opened after midnight); a publication date is a
    date the team gives, and nothing in the LCSPR waits for it, so the driver plans it two days
    on and records it without waiting."""

    publication_lead = timedelta(days=2)

    async def now(self) -> datetime:
        return datetime.now(UTC)

    async def past_meeting(self, opens: date) -> None:
        while london_date(await self.now()) < opens:
            await asyncio.sleep(1)

    async def past_publication(self, planned: date) -> None:
        return None


def working_day_for_today(wanted: int, working_days: int = 14) -> int:
    """A working day of `wanted` seconds, shortened so that the rapid review meeting window
    (anchor +7 to +13 working days) closes before London's midnight: held_on is a date, and
    the meeting must fall in the window on the day the driver records it."""
    now = datetime.now(LONDON)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), LONDON)
    return max(1, min(wanted, int((midnight - now).total_seconds()) // (working_days + 2)))
