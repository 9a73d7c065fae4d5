"""The web app, assembled: its shared services, privacy headers and routers.

Access logs are off (`python -m starter web`) so link tokens never reach logs."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response

from domain.settings import Settings
from web import codec_endpoint, intake, mailbox, papers, respond
from web.services import Services


def create_app(settings: Settings | None = None) -> FastAPI:
    shared = Services.from_settings(settings or Settings())
    app = FastAPI(title="Safeguarding reviews", docs_url=None, redoc_url=None)
    app.state.services = shared
    # The operator's browser calls the codec endpoint from the Temporal UI's origin.
    app.add_middleware(CORSMiddleware, allow_origins=[shared.settings.temporal_ui_origin],
                       allow_methods=["POST"], allow_credentials=True,
                       allow_headers=["content-type", "x-namespace", "authorization"])

    @app.middleware("http")
    async def privacy_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        # The link token is in the page's URL: no other site may see it as a referrer, but
        # our own form posts must carry our Origin (no-referrer makes browsers send "null").
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    app.include_router(intake.router)
    app.include_router(respond.router)
    app.include_router(papers.router)
    if shared.settings.mail_capture_dir:
        app.include_router(mailbox.router)
    if shared.settings.operator_token:
        app.include_router(codec_endpoint.router)
    return app
