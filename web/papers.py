"""The rapid review meeting's papers behind a personal link: read only, GET and HEAD alone.

The link is signed like an answer link, for the question id `papers`; the workflow knows its
nonce and who it was sent to. A tampered, expired or unknown link shows a page naming what to
do, and nothing anywhere changes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from activities.rendering import when
from domain.links import LinkRejected
from domain.papers import PAPERS, PapersLookup, PapersView
from starter.answers import labelled_fields
from web.notices import CHOICE_LABELS, answered_by, query_for_link, refused
from web.services import TEMPLATES, Services, Shared

router = APIRouter()


async def lookup(shared: Services, token: str) -> PapersView:
    claims = shared.signer.verify(token)
    if claims.question_id != PAPERS:
        raise LinkRejected("This link is not a link to meeting papers.", 400, claims.case_ref)
    view = await query_for_link(await shared.temporal.client(), claims, "papers",
                                PapersLookup(nonce=claims.nonce), PapersView)
    if view.status != "open" or view.recipient is None or (
            view.recipient.email.lower() != claims.recipient.lower()):
        raise LinkRejected("This link is not valid for these papers.", 400, claims.case_ref)
    return view


@router.api_route("/papers/{token}", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def papers(request: Request, token: str, shared: Shared) -> Response:
    try:
        view = await lookup(shared, token)
    except LinkRejected as err:
        return shared.notice(request, refused(err))
    profile = shared.profile
    returns = [{
        "agency": paper.agency, "status": paper.status, "answer": paper.answer,
        "choice": CHOICE_LABELS.get(paper.answer.choice, paper.answer.choice),
        "by": answered_by(paper.answer, profile),
        "fields": [f for f in labelled_fields(paper.kind, paper.answer) if f["value"]],
    } if paper.answer else {"agency": paper.agency, "status": paper.status, "answer": None}
        for paper in view.returns]
    return TEMPLATES.TemplateResponse(request, "papers.html", {
        "title": "Rapid review meeting papers", "view": view, "ctx": view.context,
        "returns": returns, "team_email": profile.partnership.team_email,
        "meeting_on": when(view.meeting.on) if view.meeting else None})
