"""What every route of the web app shares, set up once by `create_app`: the settings, link
signing and the form guard, the payload codec, Temporal (connected on first use, so the app
can start before Temporal is up) and the page templates."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from temporalio.client import Client

from domain.links import FormGuard, LinkSigner
from domain.profile import Profile
from domain.settings import Settings
from starter.codec import EncryptionCodec
from starter.connection import connect, payload_codec
from web.notices import Notice

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


class LazyTemporal:
    def __init__(self, settings: Settings):
        self._settings = settings
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    async def client(self) -> Client:
        async with self._lock:
            if self._client is None:
                self._client = await connect(self._settings)
        return self._client


@dataclass
class Services:
    settings: Settings
    signer: LinkSigner
    guard: FormGuard
    intake_token: str
    codec: EncryptionCodec
    temporal: LazyTemporal

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        """Refuses to start on a bad profile, a missing key or bad PAYLOAD_KEYS, naming it."""
        settings.profile  # noqa: B018 - a bad profile stops start-up with its message
        signing_key = settings.require("link_signing_key")
        return cls(settings=settings,
                   signer=LinkSigner(signing_key, settings.link_max_age_days),
                   guard=FormGuard(signing_key, settings.public_base_url),
                   intake_token=settings.require("intake_api_token"),
                   codec=payload_codec(settings), temporal=LazyTemporal(settings))

    @property
    def profile(self) -> Profile:
        return self.settings.profile

    def notice(self, request: Request, notice: Notice) -> HTMLResponse:
        """A page that is not a form: what happened, the case, and who to ask."""
        return TEMPLATES.TemplateResponse(request, "message.html", {
            "title": notice.title, "message": notice.message, "case_ref": notice.case_ref,
            "team_email": self.profile.partnership.team_email, "new_link": notice.new_link},
            status_code=notice.status)


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


Shared = Annotated[Services, Depends(services)]
