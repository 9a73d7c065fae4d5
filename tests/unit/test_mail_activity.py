"""The send-email activity against a real SMTP server on loopback (aiosmtpd), whose replies
the test scripts: delivered mail, temporary refusals (retried by Temporal), permanent ones."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.mail import LinkSpec, MailActivities, OutgoingEmail, message_id
from activities.rendering import Renderer
from domain.links import LinkSigner
from domain.people import Recipient
from domain.settings import Settings
from tests.support import PERSONAL, SIGNING_KEY, claims_of, free_port


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


def activity_for(port: int) -> MailActivities:
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port, link_signing_key=SIGNING_KEY,
                        public_base_url="https://reviews.example.org",
                        mail_from="scp@iow.example.org")
    return MailActivities(settings, LinkSigner(SIGNING_KEY), Renderer())


MAIL = OutgoingEmail(
    case_ref="IOW-2026-TEST",
    template="sin_partner_response_request",
    step="partner_response:police.ask.n1",
    to=Recipient(role="police", name="Pat Constable", email="police.lig.rep@police.example.org"),
    link=LinkSpec(question_id="partner_response:police", nonce="n1"),
    context={"child_initials": "Z.T.", "incident": "serious harm", "initial_view": "notify",
             "initial_rationale": "injuries unexplained", "due": "2026-11-24T17:00:00+00:00"},
)


async def test_sends_one_message_with_headers_and_a_bound_link(smtp: Any) -> None:
    server, port = smtp
    sent = await ActivityEnvironment().run(activity_for(port).send_email, MAIL)
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


async def test_message_id_is_the_same_for_a_retried_send(smtp: Any) -> None:
    server, port = smtp
    first = await ActivityEnvironment().run(activity_for(port).send_email, MAIL)
    again = await ActivityEnvironment().run(activity_for(port).send_email, MAIL)
    assert first.message_id == again.message_id
    other = MAIL.model_copy(update={"step": "partner_response:police.remind.n1"})
    assert (await ActivityEnvironment().run(activity_for(port).send_email, other)).message_id \
        != first.message_id
    assert message_id("C", "s", "A@x.org", "d") == message_id("C", "s", "a@X.org", "d")


async def test_temporary_refusal_raises_for_temporal_to_retry(smtp: Any) -> None:
    server, port = smtp
    server.replies = ["451 4.3.0 try again later"]
    with pytest.raises(aiosmtplib.SMTPResponseException) as err:
        await ActivityEnvironment().run(activity_for(port).send_email, MAIL)
    assert err.value.code == 451
    assert not isinstance(err.value, ApplicationError)  # retryable by the activity's policy
    await ActivityEnvironment().run(activity_for(port).send_email, MAIL)  # the retry succeeds
    assert len(server.received) == 1


async def test_permanent_refusal_fails_clearly_without_retry(smtp: Any) -> None:
    server, port = smtp
    server.replies = ["550 5.1.1 mailbox unavailable"]
    with pytest.raises(ApplicationError) as err:
        await ActivityEnvironment().run(activity_for(port).send_email, MAIL)
    assert err.value.non_retryable
    assert err.value.type == "SmtpPermanentFailure"
    assert "550" in str(err.value) and "mailbox unavailable" in str(err.value)
    assert server.received == []


async def test_unreachable_server_is_a_temporary_failure() -> None:
    with pytest.raises(aiosmtplib.SMTPConnectError):
        await ActivityEnvironment().run(activity_for(free_port()).send_email, MAIL)
