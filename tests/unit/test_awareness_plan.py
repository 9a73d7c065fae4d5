"""`deadlines --aware-on`: what falls due when, worked out by hand over Christmas 2026."""

from __future__ import annotations

import json
from datetime import date, time

from typer.testing import CliRunner

from activities.deadlines import awareness_plan
from domain.profile import BUNDLED_PROFILES
from starter.cli import app

AWARE = date(2026, 12, 18)  # a Friday; 25 and 28 Dec and 1 Jan are bank holidays


def dues(anchor_kind: str) -> dict[str, date]:
    return {d.key: d.due for d, _ in awareness_plan(AWARE, anchor_kind, time(17))}


def test_anchored_on_awareness() -> None:
    due = dues("aware")
    assert due["sin.notification"] == date(2026, 12, 29)  # 21-24 Dec, then 29 Dec
    assert due["rr.scoping_requests"] == date(2026, 12, 22)
    assert due["rr.scoping_returns"] == date(2026, 12, 31)  # 23, 24, 29, 30, 31 Dec
    assert due["rr.meeting_window"] == date(2027, 1, 11)
    assert due["rr.submission"] == date(2027, 1, 13)
    assert due["lcspr.publication"] == date(2027, 7, 13)
    assert due["lle.report"] == date(2027, 5, 13)


def test_anchored_on_the_notification_is_later() -> None:
    due = dues("notification")
    assert due["rr.scoping_requests"] == date(2026, 12, 31)  # 29 Dec + 2 WD
    assert due["rr.submission"] == date(2027, 1, 20)


def test_cli_uses_the_profiles_anchor(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PARTNERSHIP_PROFILE", str(BUNDLED_PROFILES / "west-midlands.toml"))
    result = CliRunner().invoke(app, ["deadlines", "--aware-on", "2026-12-18", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["key"]: r for r in json.loads(result.output)}
    assert rows["rr.submission"]["due"] == "2027-01-13"
    assert rows["rr.meeting_window"]["opens"] == "2026-12-31"


def test_cli_refuses_a_bad_date() -> None:
    result = CliRunner().invoke(app, ["deadlines", "--aware-on", "18/12/2026"])
    assert result.exit_code == 2
    assert "--aware-on: '18/12/2026' is not a date" in result.output
