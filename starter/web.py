"""The web app: referral intake API and the pages behind the links in emails.

GET (and HEAD) on a link only ever shows the question: mail scanners fetch links. Only a POST
of the form records an answer, and only if the link is genuine, unexpired, still open and
bound to this recipient and question, and the form came from our own page (a signed form token
tied to the link, and no cross-site Origin): another site cannot submit it for the recipient.
Access logs are off so link tokens never reach logs.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Header, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from temporalio.client import Client
from temporalio.service import RPCError

from activities.rendering import when
from domain.commands import AnswerReceipt
from domain.forms import FORMS, form_for
from domain.links import FormGuard, LinkClaims, LinkRejected, LinkSigner
from domain.questions import AnswerSignal, QuestionLookup, QuestionView
from domain.referral import ReferralInvalid
from domain.settings import Settings
from starter import cases, codec_server, mailbox, papers_page
from starter.commands import CaseNotAnswering, CommandRefused, send
from starter.connection import connect, payload_codec
from starter.link_pages import (
    CHOICE_LABELS,
    TITLES,
    UNAVAILABLE,
    Notice,
    query_for_link,
    refused,
    status_notice,
    thanks,
)

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")

MAX_FIELD = 10_000
FORGED = ("Please use the form on our page",
          "This answer did not come from the page your link opens, or that page was open too "
          "long. Nothing was changed: please open the link in your email again.")


class _Temporal:
    """Connects on first use, so the web app can start before Temporal is up."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    async def client(self) -> Client:
        async with self._lock:
            if self._client is None:
                self._client = await connect(self._settings)
        return self._client


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.profile  # noqa: B018 - a bad profile stops start-up with its message
    signing_key = settings.require("link_signing_key")
    signer = LinkSigner(signing_key, settings.link_max_age_days)
    guard = FormGuard(signing_key, settings.public_base_url)
    intake_token = settings.require("intake_api_token")
    codec = payload_codec(settings)  # a missing or bad PAYLOAD_KEYS stops start-up here
    temporal = _Temporal(settings)
    app = FastAPI(title="Safeguarding reviews", docs_url=None, redoc_url=None)
    # The operator's browser calls the codec endpoint from the Temporal UI's origin.
    app.add_middleware(CORSMiddleware, allow_origins=[settings.temporal_ui_origin],
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

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/referrals", status_code=201)
    async def submit_referral(request: Request,
                              authorization: Annotated[str | None, Header()] = None) -> Any:
        expected = f"Bearer {intake_token}"
        if not authorization or not secrets.compare_digest(authorization, expected):
            return JSONResponse({"detail": "missing or wrong bearer token"}, status_code=401)
        try:
            data = await request.json()
        except ValueError:
            return JSONResponse({"detail": [{"field": "(body)", "message": "not valid JSON"}]},
                                status_code=422)
        try:
            referral = cases.validate_referral(data, settings)
        except ReferralInvalid as err:
            return JSONResponse({"detail": [p.model_dump() for p in err.problems]},
                                status_code=422)
        case_ref, workflow_id = await cases.start_case(await temporal.client(), settings,
                                                       referral)
        return {"case_ref": case_ref, "workflow_id": workflow_id}

    team_email = settings.profile.partnership.team_email

    def page(request: Request, notice: Notice) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "message.html", {
            "title": notice.title, "message": notice.message, "case_ref": notice.case_ref,
            "team_email": team_email, "new_link": notice.new_link}, status_code=notice.status)

    async def lookup(token: str) -> tuple[LinkClaims, QuestionView]:
        claims = signer.verify(token)
        view = await query_for_link(await temporal.client(), claims, "question",
                                    QuestionLookup(nonce=claims.nonce), QuestionView)
        if view.status != "unknown" and (
            view.question_id != claims.question_id
            or view.recipient is None
            or view.recipient.email.lower() != claims.recipient.lower()
        ):
            raise LinkRejected("This link is not valid for this question.", 400, claims.case_ref)
        return claims, view

    def form(request: Request, token: str, nonce: str, view: QuestionView, status: int = 200,
             error: str | None = None, values: dict[str, str] | None = None) -> HTMLResponse:
        assert view.kind is not None
        return TEMPLATES.TemplateResponse(request, "respond.html", {
            "token": token, "view": view, "csrf": guard.issue(nonce),
            "title": TITLES[view.kind], "error": error,
            "choices": [(c, CHOICE_LABELS[c]) for c in view.choices],
            "values": values or {}, "ctx": view.context,
            "fields": next((FORMS[f"{view.kind}:{c}"] for c in view.choices
                            if f"{view.kind}:{c}" in FORMS), ()),
            "due": when(view.due_at) if view.due_at else None, "team_email": team_email,
        }, status_code=status)

    @app.api_route("/respond/{token}", methods=["GET", "HEAD"], response_class=HTMLResponse)
    async def show_question(request: Request, token: str) -> Response:
        try:
            claims, view = await lookup(token)
        except LinkRejected as err:
            return page(request, refused(err))
        if view.status != "open":
            return page(request, status_notice(view, settings.profile))
        return form(request, token, claims.nonce, view)

    @app.post("/respond/{token}", response_class=HTMLResponse)
    async def record_answer(request: Request, token: str) -> Response:
        try:
            claims, view = await lookup(token)
        except LinkRejected as err:
            return page(request, refused(err))
        if view.status != "open":
            return page(request, status_notice(view, settings.profile))
        submitted = await request.form()
        csrf = submitted.get("csrf")
        if not guard.accepts(claims.nonce, csrf if isinstance(csrf, str) else None,
                             request.headers.get("origin"),
                             request.headers.get("sec-fetch-site")):
            return page(request, Notice(403, *FORGED, view.case_ref))
        # Browsers send a textarea's line breaks as CRLF; the record keeps plain newlines.
        values = {key: value.replace("\r\n", "\n").strip()
                  for key, value in submitted.items()
                  if isinstance(value, str) and len(value) <= MAX_FIELD}
        choice = values.get("choice", "")
        answer = AnswerSignal(
            nonce=claims.nonce, choice=choice, rationale=values.get("rationale", ""),
            reference=values.get("reference") or None,
            fields={f.name: values.get(f.name, "") for f in form_for(view.kind or "", choice)})
        try:
            receipt = await send((await temporal.client()).get_workflow_handle(
                claims.workflow_id), "answer", answer, AnswerReceipt)
        except CommandRefused as err:
            # Answered or closed meanwhile: say so; otherwise the form again, with the reason.
            try:
                _, now = await lookup(token)
            except LinkRejected as rejected:
                return page(request, refused(rejected))
            if now.status != "open":
                return page(request, status_notice(now, settings.profile))
            return form(request, token, claims.nonce, now, 422, err.reason, values)
        except (CaseNotAnswering, RPCError):
            return page(request, Notice(503, "Please try again shortly", UNAVAILABLE,
                                        view.case_ref))
        return page(request, thanks(receipt.answer.choice, view.case_ref))

    app.include_router(papers_page.router(signer, temporal.client, settings.profile, page))
    if settings.mail_capture_dir:
        app.include_router(mailbox.router(settings.mail_capture_dir))
    if settings.operator_token:
        app.include_router(codec_server.router(
            codec, settings.operator_token.get_secret_value()))

    return app

