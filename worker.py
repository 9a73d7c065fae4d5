"""Runs one Temporal worker with every workflow and activity of the product.

    python worker.py

Configuration comes from the environment (see domain/settings.py and the README).
"""

from __future__ import annotations

import asyncio
import logging
import sys

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.deadlines import compute_deadlines, shift_deadline
from activities.mail import MailActivities
from activities.outbox import Outbox
from activities.rendering import Renderer
from domain.links import LinkSigner
from domain.profile import ProfileInvalid
from domain.settings import SettingMissing, Settings
from starter.codec import PayloadKeysInvalid
from starter.connection import connect, ensure_search_attributes
from starter.hard_exit import run_then_exit
from workflows.action_plan import ActionPlanWorkflow
from workflows.case import CaseWorkflow
from workflows.lcspr import LcsprWorkflow
from workflows.lig_triage import LigTriageWorkflow
from workflows.local_learning_event import LocalLearningEventWorkflow
from workflows.rapid_review import RapidReviewWorkflow
from workflows.sin_decision import SinDecisionWorkflow

WORKFLOWS = [CaseWorkflow, SinDecisionWorkflow, RapidReviewWorkflow, LcsprWorkflow,
             LigTriageWorkflow, LocalLearningEventWorkflow, ActionPlanWorkflow]

# Passing these through the sandbox avoids re-importing them per workflow run (cheaper) and
# sidesteps the Python 3.11 sandbox import-lock race (temporalio/sdk-python #585).
PASSTHROUGH = ("pydantic", "pydantic_core", "annotated_types", "domain", "activities",
               "holidays", "dateutil", "jinja2", "markupsafe", "aiosmtplib", "itsdangerous")


def workflow_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH))


def build_worker(client: Client, settings: Settings, task_queue: str | None = None) -> Worker:
    signer = LinkSigner(settings.require("link_signing_key"), settings.link_max_age_days)
    mail = MailActivities(settings, signer, Renderer(), Outbox(settings.outbox_path))
    return Worker(
        client,
        task_queue=task_queue or settings.temporal_task_queue,
        workflows=WORKFLOWS,
        activities=[compute_deadlines, shift_deadline, mail.send_email],
        workflow_runner=workflow_runner(),
        max_cached_workflows=settings.worker_max_cached_workflows,
    )


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()
    settings.profile  # fail fast on a bad profile, before connecting  # noqa: B018
    client = await connect(settings)
    added = await ensure_search_attributes(client, settings.temporal_namespace)
    if added:
        logging.info("registered search attributes: %s", ", ".join(added))
    worker = build_worker(client, settings)
    logging.info("worker polling task queue %s on %s", settings.temporal_task_queue,
                 settings.temporal_address)
    await worker.run()


def run() -> None:
    try:
        asyncio.run(main())
    # A clear message, not a traceback.
    except (ProfileInvalid, SettingMissing, PayloadKeysInvalid) as err:
        print(f"worker: {err}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    run_then_exit(run)
