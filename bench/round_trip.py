"""Round trip of one partner's answer, on the real local stack (dev server, worker, web app,
SMTP capture, all on loopback): the POST of a link's form → token and form-token checks →
the answer sent as a Workflow Update (its validator checks the link's question), whose
receipt (or refusal) the web app shows at once. Beside it, in the same run and with the same
client (payload codec included), the bare Temporal floor: an update on a trivial workflow.

    .venv/bin/python -m bench.round_trip [--answers 510]

Each case gives three answers (the LIG chair's initial view, then the police and ICB
responses); answers are made one at a time, so the figures are latency, not throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from bench.floor import Echo, EchoWorkflow
from bench.support import ms, percentiles, running_stack
from domain.calendar import london_today
from domain.settings import Settings
from starter import cases
from starter.connection import connect
from starter.hard_exit import run_then_exit
from tests.support import form_token, referral_data
from web.mailbox import read, respond_links
from worker import workflow_runner

LIG_CHAIR = "lig.chair@iow.example.org"
PARTNERS = ("police.lig.rep@police.example.org", "icb.lig.rep@icb.example.org")


class Links:
    """The links in captured mail, by (case, template, recipient); each file is read once."""

    def __init__(self, mail_dir: Path):
        self.mail_dir = mail_dir
        self.seen: set[Path] = set()
        self.links: dict[tuple[str, str, str], str] = {}

    async def wait(self, case_ref: str, template: str, to: str) -> str:
        for _ in range(1200):
            for path in set(self.mail_dir.glob("*.eml")) - self.seen:
                self.seen.add(path)
                msg = read(path)
                found = respond_links(msg)
                if found:
                    self.links[(str(msg["X-Case-Ref"]), str(msg["X-Template"]),
                                str(msg["To"]))] = found[0]
            if (case_ref, template, to) in self.links:
                return self.links[(case_ref, template, to)]
            await asyncio.sleep(0.05)
        raise RuntimeError(f"no {template} to {to} for {case_ref}")

    async def quiet(self, seconds: float = 2.0) -> None:
        """Until no mail has arrived for `seconds`: the worker has finished sending."""
        count, still = -1, 0.0
        while still < seconds:
            now = len(list(self.mail_dir.glob("*.eml")))
            count, still = now, (still + 0.1 if now == count else 0.0)
            await asyncio.sleep(0.1)


async def answer(http: httpx.AsyncClient, url: str, choice: str) -> float:
    """Open the page (not timed: the person reads it), then time the POST of its form."""
    page = await http.get(url)
    if page.status_code != 200:
        raise RuntimeError(f"link page answered {page.status_code}")
    form = {"choice": choice, "rationale": "bench", "csrf": form_token(page.text)}
    started = time.perf_counter()
    response = await http.post(url, data=form)
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or "has been recorded" not in response.text:
        raise RuntimeError(f"answer not confirmed: {response.status_code}")
    return elapsed


KINDS = ("initial view (sets off the partners' questions)", "first partner (sets off nothing)",
         "last partner (sets off the decision)")


async def ours(client: Client, settings: Settings, mail_dir: Path,
               answers: int) -> dict[str, list[float]]:
    """The samples by kind of answer: what each sets off in the workflow task that takes it."""
    case_refs = []
    for _ in range(-(-answers // 3)):
        data = cases.validate_referral(referral_data(london_today()), settings)
        case_refs.append((await cases.start_case(client, settings, data))[0])
    samples: dict[str, list[float]] = {kind: [] for kind in KINDS}
    links = Links(mail_dir)
    async with httpx.AsyncClient(timeout=60) as http:
        # Each round starts once every case's questions are out and the mail has stopped, so
        # an answer waits on what it sets off itself, not on the other cases' letters.
        views = [await links.wait(ref, "sin_initial_view_request", LIG_CHAIR) for ref in case_refs]
        await links.quiet()
        for url in views:
            samples[KINDS[0]].append(await answer(http, url, "notify"))
        responses = [[await links.wait(ref, "sin_partner_response_request", partner)
                      for partner in PARTNERS] for ref in case_refs]
        await links.quiet()
        for urls in responses:
            for kind, url in zip(KINDS[1:], urls, strict=True):
                samples[kind].append(await answer(http, url, "agree"))
    return samples


async def floor(client: Client, answers: int) -> list[float]:
    task_queue = f"bench-floor-{uuid.uuid4()}"
    samples = []
    async with Worker(client, task_queue=task_queue, workflows=[EchoWorkflow],
                      workflow_runner=workflow_runner()):
        handles = [await client.start_workflow(EchoWorkflow.run, Echo(n=0),
                                               id=f"bench-floor-{uuid.uuid4()}",
                                               task_queue=task_queue)
                   for _ in range(-(-answers // 3))]
        for i in range(answers):
            handle = handles[i % len(handles)]
            started = time.perf_counter()
            await handle.execute_update(EchoWorkflow.answer, Echo(n=i + 1))
            samples.append(time.perf_counter() - started)
        for handle in handles:
            await handle.execute_update(EchoWorkflow.answer, Echo(n=-1))
    return samples


async def main(answers: int) -> None:
    with (tempfile.TemporaryDirectory(prefix="bench-round-trip-") as scratch,
          # Every case's workflows stay cached, as the floor's one workflow does: the answers
          # go round all the cases, and a smaller cache would replay each case every time.
          running_stack(Path(scratch),
                        WORKER_MAX_CACHED_WORKFLOWS=str(max(250, answers))) as stack):
        settings = Settings()
        client = await connect(settings)
        by_kind = await ours(client, settings, stack.mail_dir, answers)
        ours_s = [s for kind in KINDS for s in by_kind[kind]]
        floor_s = await floor(client, len(ours_s))
    a, b = percentiles(ours_s), percentiles(floor_s)
    print(f"\nLink answer round trip (POST → checks → update → receipt), "
          f"n={len(ours_s)}\n  {ms(a)}")
    for kind in KINDS:
        print(f"  {kind}, n={len(by_kind[kind])}\n    {ms(percentiles(by_kind[kind]))}")
    print(f"Bare Temporal floor (an update on a trivial workflow), n={len(floor_s)}\n  {ms(b)}")
    print("Ratio ours / floor\n  " + "  ".join(f"{k} {a[k] / b[k]:5.1f}x" for k in a))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=510)
    run_then_exit(lambda: asyncio.run(main(parser.parse_args().answers)))
