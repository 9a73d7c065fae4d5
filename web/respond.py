"""The pages behind the links in emails that ask a question.

GET (and HEAD) only ever shows the question: mail scanners fetch links. Only a POST of the form
records an answer, and only if the link is genuine, unexpired, still open and bound to this
recipient and question, and the form came from our own page (a signed form token tied to the
link, and no cross-site Origin): another site cannot submit it for the recipient. The answer is
a Workflow Update: the page shows at once whether it was recorded, or the case's reason why not.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from temporalio.service import RPCError

from activities.rendering import when
from domain.commands import AnswerReceipt
from domain.forms import FORMS
from domain.links import LinkClaims, LinkRejected
from domain.questions import AnswerSignal, QuestionLookup, QuestionView
from starter.commands import CaseNotAnswering, CommandRefused, send
from web.notices import (
    CHOICE_LABELS,
    TITLES,
    UNAVAILABLE,
    Notice,
    query_for_link,
    refused,
    status_notice,
    thanks,
)
from web.services import TEMPLATES, Services, Shared

router = APIRouter()
MAX_FIELD = 10_000
NOT_FIELDS = {"csrf", "choice", "rationale", "reference"}  # the rest may be the form's fields
FORGED = ("Please use the form on our page",
          "This answer did not come from the page your link opens, or that page was open too "
          "long. Nothing was changed: please open the link in your email again.")


async def lookup(shared: Services, token: str) -> tuple[LinkClaims, QuestionView]:
    """The link's claims and its question as the case sees it now; a link that does not match
    its question is refused."""
    claims = shared.signer.verify(token)
    view = await query_for_link(await shared.temporal.client(), claims, "question",
                                QuestionLookup(nonce=claims.nonce), QuestionView)
    if view.status != "unknown" and (
        view.question_id != claims.question_id
        or view.recipient is None
        or view.recipient.email.lower() != claims.recipient.lower()
    ):
        raise LinkRejected("This link is not valid for this question.", 400, claims.case_ref)
    return claims, view


async def open_question(request: Request, shared: Services,
                        token: str) -> tuple[LinkClaims, QuestionView] | Response:
    """What GET and POST both need first: the link's open question, or the page saying why
    there is none."""
    try:
        claims, view = await lookup(shared, token)
    except LinkRejected as err:
        return shared.notice(request, refused(err))
    if view.status != "open":
        return shared.notice(request, status_notice(view, shared.profile))
    return claims, view


def form(request: Request, shared: Services, token: str, nonce: str, view: QuestionView,
         status: int = 200, error: str | None = None,
         values: dict[str, str] | None = None) -> HTMLResponse:
    assert view.kind is not None
    return TEMPLATES.TemplateResponse(request, "respond.html", {
        "token": token, "view": view, "csrf": shared.guard.issue(nonce),
        "title": TITLES[view.kind], "error": error,
        "choices": [(c, CHOICE_LABELS[c]) for c in view.choices],
        "values": values or {}, "ctx": view.context,
        "fields": next((FORMS[f"{view.kind}:{c}"] for c in view.choices
                        if f"{view.kind}:{c}" in FORMS), ()),
        "due": when(view.due_at) if view.due_at else None,
        "team_email": shared.profile.partnership.team_email,
    }, status_code=status)


@router.api_route("/respond/{token}", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def show_question(request: Request, token: str, shared: Shared) -> Response:
    found = await open_question(request, shared, token)
    if isinstance(found, Response):
        return found
    claims, view = found
    return form(request, shared, token, claims.nonce, view)


@router.post("/respond/{token}", response_class=HTMLResponse)
async def record_answer(request: Request, token: str, shared: Shared) -> Response:
    """Straight to the case: it checks the link's question and recipient itself, so only a
    refusal costs a look at the question (to show the form again, or why it is closed)."""
    try:
        claims = shared.signer.verify(token)
    except LinkRejected as err:
        return shared.notice(request, refused(err))
    submitted = await request.form()
    csrf = submitted.get("csrf")
    if not shared.guard.accepts(claims.nonce, csrf if isinstance(csrf, str) else None,
                                request.headers.get("origin"),
                                request.headers.get("sec-fetch-site")):
        found = await open_question(request, shared, token)  # a closed link says so first
        return found if isinstance(found, Response) else \
            shared.notice(request, Notice(403, *FORGED, claims.case_ref))
    # Browsers send a textarea's line breaks as CRLF; the record keeps plain newlines.
    values = {key: value.replace("\r\n", "\n").strip()
              for key, value in submitted.items()
              if isinstance(value, str) and len(value) <= MAX_FIELD}
    answer = AnswerSignal(
        nonce=claims.nonce, choice=values.get("choice", ""),
        rationale=values.get("rationale", ""), reference=values.get("reference") or None,
        fields={k: v for k, v in values.items() if k not in NOT_FIELDS},
        question_id=claims.question_id, recipient=claims.recipient)
    try:
        receipt = await send((await shared.temporal.client()).get_workflow_handle(
            claims.workflow_id), "answer", answer, AnswerReceipt)
    except CommandRefused as err:
        # Answered or closed meanwhile: say so; otherwise the form again, with the reason.
        found = await open_question(request, shared, token)
        if isinstance(found, Response):
            return found
        return form(request, shared, token, claims.nonce, found[1], 422, err.reason, values)
    except (CaseNotAnswering, RPCError):
        return shared.notice(request, Notice(503, "Please try again shortly", UNAVAILABLE,
                                             claims.case_ref))
    return shared.notice(request, thanks(receipt.answer.choice, claims.case_ref))
