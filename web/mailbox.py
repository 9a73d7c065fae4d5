"""Captured mail as web pages, for local running only: read the emails and click the links."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from web.services import TEMPLATES, Services, Shared

_LINK = re.compile(r"https?://\S+/(?:respond|papers)/\S+")


def read(path: Path) -> EmailMessage:
    return message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[return-value]


def text_body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def respond_links(msg: EmailMessage) -> list[str]:
    return _LINK.findall(text_body(msg))


router = APIRouter()


def directory(shared: Services) -> Path:
    assert shared.settings.mail_capture_dir is not None  # mounted only when it is set
    return shared.settings.mail_capture_dir


@router.get("/mail", response_class=HTMLResponse)
async def inbox(request: Request, shared: Shared) -> HTMLResponse:
    rows = []
    for path in sorted(directory(shared).glob("*.eml"), reverse=True):
        msg = read(path)
        rows.append({"name": path.name, "to": msg["To"], "subject": msg["Subject"],
                     "received": msg["Date"]})
    return TEMPLATES.TemplateResponse(request, "mailbox.html",
                                      {"title": "Captured mail", "messages": rows})


@router.get("/mail/{name}", response_class=HTMLResponse)
async def one(request: Request, name: str, shared: Shared) -> HTMLResponse:
    path = directory(shared) / name
    if not re.fullmatch(r"[\w.-]+\.eml", name) or not path.is_file():
        raise HTTPException(404)
    msg = read(path)
    return TEMPLATES.TemplateResponse(request, "mail.html", {
        "title": msg["Subject"], "to": msg["To"], "template": msg["X-Template"],
        "body": text_body(msg), "links": respond_links(msg)})
