"""Render an email from its Jinja2 template and send it over SMTP.

One activity call sends one message to one person, so a retry never re-sends to someone else.
The Message-ID is derived from the case, the step and the recipient: a retried send is the
same message, mailboxes can recognise it, and the outbox ledger (activities/outbox.py) knows
it already went. A temporary refusal (4xx, or no answer) is retried with backoff; a permanent
one (5xx) fails the send at once, and the workflow tells the team.
"""

from __future__ import annotations

import hashlib
import socket
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal

import aiosmtplib
from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.outbox import Outbox, SendInProgress
from activities.rendering import Renderer
from domain.case import SentMessage
from domain.links import LinkSigner
from domain.people import Recipient
from domain.settings import Settings


class LinkSpec(BaseModel):
    question_id: str
    nonce: str
    page: Literal["respond", "papers"] = "respond"  # an answer's form, or papers to read


class Attachment(BaseModel):
    """A document rendered from `template` (an .html.j2 file) with the email's context."""

    filename: str
    template: str


class OutgoingEmail(BaseModel):
    case_ref: str
    template: str
    step: str  # stable name of this send within the case, e.g. "sin.initial_view.police"
    to: Recipient
    link: LinkSpec | None = None
    context: dict[str, object] = Field(default_factory=dict)
    attachments: list[Attachment] = Field(default_factory=list)


def message_id(case_ref: str, step: str, email: str, domain: str) -> str:
    digest = hashlib.sha256(f"{case_ref}|{step}|{email.lower()}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


class MailActivities:
    def __init__(self, settings: Settings, signer: LinkSigner, renderer: Renderer,
                 outbox: Outbox):
        self._settings = settings
        self._signer = signer
        self._renderer = renderer
        self._outbox = outbox
        # The name this worker greets the mail server with (EHLO): looked up once, not for
        # every message as aiosmtplib would.
        self._local_hostname = socket.getfqdn()

    @activity.defn
    async def send_email(self, mail: OutgoingEmail) -> SentMessage:
        sender = self._settings.sender
        key = message_id(mail.case_ref, mail.step, mail.to.email,
                         sender.rpartition("@")[2] or "localhost")
        try:
            already = await self._outbox.claim(key, mail.case_ref, mail.template)
        except SendInProgress as err:
            raise ApplicationError(str(err), type="SendInProgress") from None
        if already:
            activity.logger.info("not sending %s for %s again (%s): sent at %s", mail.template,
                                 mail.case_ref, mail.step, already.sent_at)
            return SentMessage(template=mail.template, to=[mail.to.email],
                               sent_at=datetime.fromisoformat(already.sent_at), message_id=key)
        try:
            msg = self._compose(mail, sender, key)
            await self._deliver(msg)
        except BaseException:
            await self._outbox.release(key)
            raise
        sent_at = datetime.now(UTC)
        await self._outbox.sent(key, sent_at.isoformat())
        activity.logger.info("sent %s for %s (%s)", mail.template, mail.case_ref, mail.step)
        return SentMessage(template=mail.template, to=[mail.to.email], sent_at=sent_at,
                           message_id=key)

    def _compose(self, mail: OutgoingEmail, sender: str, key: str) -> EmailMessage:
        info = activity.info()
        link_url = None
        if mail.link:
            token = self._signer.sign(
                workflow_id=info.workflow_id or "",
                case_ref=mail.case_ref,
                question_id=mail.link.question_id,
                nonce=mail.link.nonce,
                recipient=mail.to.email,
            )
            link_url = f"{self._settings.public_base_url.rstrip('/')}/{mail.link.page}/{token}"
        profile = self._settings.profile
        context = {
            "acting_for": "",
            "resent": "",
            # Absent from invitations a worker of the previous release scheduled.
            "capacities": "",
            "papers_complete": "",
            **mail.context,
            "case_ref": mail.case_ref,
            "recipient": mail.to,
            "link_url": link_url,
            "link_page": mail.link.page if mail.link else "",
            "partnership": profile.partnership.name,
            "signature": profile.partnership.signature,
            "team_email": profile.partnership.team_email,
        }
        rendered = self._renderer.render(mail.template, context)
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = mail.to.email
        msg["Reply-To"] = profile.partnership.team_email
        msg["Subject"] = f"[{mail.case_ref}] {rendered.subject}"
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = key
        msg["X-Case-Ref"] = mail.case_ref
        msg["X-Template"] = mail.template
        msg.set_content(rendered.text)
        msg.add_alternative(rendered.html, subtype="html")
        for attachment in mail.attachments:
            document = self._renderer.render_document(attachment.template, context)
            msg.add_attachment(document, subtype="html", filename=attachment.filename)
        return msg

    async def _deliver(self, msg: EmailMessage) -> None:
        s = self._settings
        try:
            await aiosmtplib.send(
                msg,
                hostname=s.smtp_host,
                port=s.smtp_port,
                local_hostname=self._local_hostname,
                username=s.smtp_username,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                start_tls=s.smtp_starttls,
                timeout=s.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                # Permanent: retrying would only repeat the refusal. Fail the step clearly.
                raise ApplicationError(
                    f"mail server refused the message permanently ({exc.code}): {exc.message}",
                    type="SmtpPermanentFailure",
                    non_retryable=True,
                ) from None
            raise  # 4xx: temporary, Temporal retries with backoff
        except aiosmtplib.SMTPRecipientsRefused as exc:
            permanent = [r for r in exc.recipients if r.code >= 500]
            if permanent:
                raise ApplicationError(
                    f"mail server refused the recipient permanently ({permanent[0].code}): "
                    f"{permanent[0].message}",
                    type="SmtpPermanentFailure",
                    non_retryable=True,
                ) from None
            raise
