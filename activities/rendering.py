"""Jinja2 rendering of emails: one plain-text template per email, HTML derived from it.

Each template's first line is `Subject: ...`. The HTML part is the same text in a simple
layout (escaped, links made clickable), so the two parts can never say different things.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from domain.calendar import LONDON

TEMPLATES = Path(__file__).resolve().parent / "templates"
# A URL, without the full stop or bracket that ends the sentence around it.
_URL = re.compile(r"(https?://[^\s<]*[^\s<.,;:!?)\]])")


def when(value: object) -> str:
    """'Thu 24 Dec 2026, 17:00' in London time, for humans."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(LONDON).strftime("%a %-d %b %Y, %H:%M")
    if isinstance(value, date):
        return value.strftime("%a %-d %b %Y")
    raise TypeError(f"cannot format {value!r} as a date")


def day(value: object) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    if isinstance(value, date):
        return value.strftime("%a %-d %b %Y")
    raise TypeError(f"cannot format {value!r} as a date")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class Renderer:
    def __init__(self, directory: Path = TEMPLATES):
        self._directory = directory
        self._text = Environment(
            loader=FileSystemLoader(directory),
            undefined=StrictUndefined,  # a missing field fails loudly instead of sending blanks
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._text.filters.update(when=when, day=day)
        self._html = Environment(
            loader=FileSystemLoader(directory), autoescape=select_autoescape(["html", "j2"]),
            undefined=StrictUndefined,
        )
        self._html.filters.update(when=when, day=day)

    def names(self) -> list[str]:
        return sorted(p.name.removesuffix(".txt.j2") for p in self._directory.glob("*.txt.j2")
                      if not p.name.startswith("_"))

    def render(self, name: str, context: dict[str, object]) -> Rendered:
        body = self._text.get_template(f"{name}.txt.j2").render(**context)
        first, _, rest = body.partition("\n")
        if not first.startswith("Subject: "):
            raise ValueError(f"template {name} must start with a 'Subject: ' line")
        text = rest.strip() + "\n"
        paragraphs = [_linkify(p) for p in re.split(r"\n\s*\n", text.strip())]
        link = context.get("link_url")
        html = self._html.get_template("_layout.html.j2").render(
            paragraphs=paragraphs,
            # The button only where the text offers the link too: both parts say the same.
            link_url=link if isinstance(link, str) and link in text else None,
            link_label="Open the meeting papers" if context.get("link_page") == "papers"
            else "Open the secure page to respond",
        )
        return Rendered(subject=first.removeprefix("Subject: ").strip(), text=text, html=html)


    def render_document(self, name: str, context: dict[str, object]) -> str:
        """A standalone HTML document (e.g. the Rapid Review Template sent to the Panel)."""
        return self._html.get_template(f"{name}.html.j2").render(**context)


def _linkify(paragraph: str) -> Markup:
    escaped = str(escape(paragraph))
    linked = _URL.sub(r'<a href="\1">\1</a>', escaped)
    return Markup(linked.replace("\n", "<br>\n"))
