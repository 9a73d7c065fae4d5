"""The send-email activity against a real SMTP server on loopback (aiosmtpd), whose replies
the test scripts: delivered mail, temporary refusals (retried by Temporal), permanent ones,
and the outbox ledger that stops a retried send going twice."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.mail import LinkSpec, MailActivities, OutgoingEmail, message_id
from activities.outbox import Outbox
from activities.rendering import Renderer
from domain.links import LinkSigner
from domain.people import Recipient
from domain.settings import Settings
from starter.devstack import free_port
from tests.support import PERSONAL, SIGNING_KEY, claims_of


class ScriptedServer:
    """Accepts mail, or answers DATA with the next scripted SMTP reply."""

    def __init__(self) -> None:
        self.replies: list[str] = []
        self.received: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.replies:
            return self.replies.pop(0)
        self.received.append(envelope.original_content)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[ScriptedServer, int]]:
    handler, port = ScriptedServer(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "outbox.sqlite3"


def activity_for(port: int, ledger: Path) -> MailActivities:
    """A fresh activity object each time, as a restarted worker would make, on one ledger."""
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port, link_signing_key=SIGNING_KEY,
                        public_base_url="https://reviews.example.org",
                        mail_from="scp@iow.example.org")
    return MailActivities(settings, LinkSigner(SIGNING_KEY), Renderer(), Outbox(ledger))


MAIL = OutgoingEmail(
    case_ref="IOW-2026-TEST",
    template="sin_partner_response_request",
    step="partner_response:police.ask.n1",
    to=Recipient(role="police", name="Pat Constable", email="police.lig.rep@police.example.org"),
    link=LinkSpec(question_id="partner_response:police", nonce="n1"),
    context={"child_initials": "Z.T.", "incident": "serious harm", "initial_view": "notify",
             "initial_rationale": "injuries unexplained", "due": "2026-11-24T17:00:00+00:00"},
)


async def test_sends_one_message_with_headers_and_a_bound_link(smtp: Any, ledger: Path) -> None:
    server, port = smtp
    sent = await ActivityEnvironment().run(activity_for(port, ledger).send_email, MAIL)
    (raw,) = server.received
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["To"] == "police.lig.rep@police.example.org"
    assert msg["X-Case-Ref"] == "IOW-2026-TEST"
    assert msg["X-Template"] == "sin_partner_response_request"
    assert msg["Subject"].startswith("[IOW-2026-TEST] ")
    assert not any(p in msg["Subject"] for p in PERSONAL) and "Z.T." not in msg["Subject"]
    assert msg["Message-ID"] == sent.message_id
    assert msg.get_body(preferencelist=("html",)) is not None
    plain = msg.get_body(preferencelist=("plain",))
    assert plain is not None
    text = plain.get_content()
    assert "Tue 24 Nov 2026, 17:00" in text
    link = next(w for w in text.split() if w.startswith("https://reviews.example.org/respond/"))
    claims = claims_of(link)
    assert (claims.case_ref, claims.question_id, claims.nonce, claims.recipient) == (
        "IOW-2026-TEST", "partner_response:police", "n1", "police.lig.rep@police.example.org")


async def test_a_retried_send_after_success_is_not_sent_again(smtp: Any, ledger: Path) -> None:
    server, port = smtp
    first = await ActivityEnvironment().run(activity_for(port, ledger).send_email, MAIL)
    # The worker died before Temporal heard of the success; a new worker retries the send.
    again = await ActivityEnvironment().run(activity_for(port, ledger).send_email, MAIL)
    assert len(server.received) == 1
    assert (again.message_id, again.sent_at) == (first.message_id, first.sent_at)
    other = MAIL.model_copy(update={"step": "partner_response:police.remind.n1"})
    reminder = await ActivityEnvironment().run(activity_for(port, ledger).send_email, other)
    assert reminder.message_id != first.message_id
    assert len(server.received) == 2  # a different message (the reminder) does go
    assert message_id("C", "s", "A@x.org", "d") == message_id("C", "s", "a@X.org", "d")


async def test_a_send_another_attempt_is_making_waits_its_turn(smtp: Any, ledger: Path) -> None:
    server, port = smtp
    key = message_id(MAIL.case_ref, MAIL.step, MAIL.to.email, "iow.example.org")
    assert await Outbox(ledger).claim(key, MAIL.case_ref, MAIL.template) is None
    with pytest.raises(ApplicationError) as err:
        await ActivityEnvironment().run(activity_for(port, ledger).send_email, MAIL)
    assert err.value.type == "SendInProgress" and not err.value.non_retryable
    assert server.received == []


async def test_temporary_refusal_raises_for_temporal_to_retry(smtp: Any, ledger: Path) -> None:
    server, port = smtp
    server.replies = ["451 4.3.0 try again later"]
    with pytest.raises(aiosmtplib.SMTPResponseException) as err:
        await ActivityEnvironment().run(activity_for(port, ledger).send_email, MAIL)
    assert err.value.code == 451
    assert not isinstance(err.value, ApplicationError)  # retryable by the activity's policy
    # The retry succeeds:
    await ActivityEnvironment().run(activity_for(port, ledger).send_email, MAIL)
    assert len(server.received) == 1
    assert Outbox(ledger).count_sent() == 1


async def test_permanent_refusal_fails_clearly_without_retry(smtp: Any, ledger: Path) -> None:
    server, port = smtp
    server.replies = ["550 5.1.1 mailbox unavailable"]
    with pytest.raises(ApplicationError) as err:
        await ActivityEnvironment().run(activity_for(port, ledger).send_email, MAIL)
    assert err.value.non_retryable
    assert err.value.type == "SmtpPermanentFailure"
    assert "550" in str(err.value) and "mailbox unavailable" in str(err.value)
    assert server.received == []


async def test_unreachable_server_is_a_temporary_failure(ledger: Path) -> None:
    with pytest.raises(aiosmtplib.SMTPConnectError):
        await ActivityEnvironment().run(activity_for(free_port(), ledger).send_email, MAIL)
