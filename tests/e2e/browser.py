"""A real browser for the end-to-end tests: Debian's Chromium, driven by Playwright, which
never downloads a browser of its own. People open the link in their email, choose, type and
submit; so do these helpers, and the browser sends what it sends (Origin, Sec-Fetch-Site,
cookies), not what a test chose to send."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from playwright.async_api import Browser, Page, async_playwright

# Headless in a closed network: no first-run work, no calls home (they would be refused).
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    """CHROMIUM, or Debian's chromium (./run-tests installs it where missing)."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path:
        raise RuntimeError("no Chromium: run ./run-tests (it installs Debian's chromium) or "
                           "set CHROMIUM to a Chromium or Chrome binary")
    return path


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium(), args=ARGS)
        yield launched
        await launched.close()


@dataclass
class Submitted:
    status: int  # of the page the browser landed on after submitting
    title: str
    text: str
    referrer_policy: str  # as the link's page was sent


async def answer_in_browser(browser: Browser, url: str, choice_label: str,
                            fields: dict[str, str] | None = None,
                            rationale: str = "") -> Submitted:
    """Open the link in a fresh browser profile, pick the answer by its label, fill the form
    and press Submit, as the person the link was sent to would."""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        opened = await page.goto(url)
        assert opened is not None and opened.status == 200, await page.content()
        policy = await opened.header_value("referrer-policy") or ""
        await page.get_by_label(choice_label, exact=True).check()
        for name, value in (fields or {}).items():
            await _fill(page, name, value)
        if rationale:
            await page.locator("[name=rationale]").fill(rationale)
        async with page.expect_navigation() as navigation:
            await page.get_by_role("button", name="Submit").click()
        landed = await navigation.value
        assert landed is not None
        return Submitted(status=landed.status, title=await page.title(),
                         text=await page.inner_text("body"), referrer_policy=policy)
    finally:
        await context.close()


async def _fill(page: Page, name: str, value: str) -> None:
    field = page.locator(f"[name={name}]")
    if await field.evaluate("element => element.tagName") == "SELECT":
        await field.select_option(value)
    else:
        await field.fill(value)


async def read_in_browser(browser: Browser, url: str) -> tuple[int, str]:
    """Open a link that only shows something (the meeting papers): its status and text."""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        opened = await page.goto(url)
        assert opened is not None
        return opened.status, await page.inner_text("body")
    finally:
        await context.close()
