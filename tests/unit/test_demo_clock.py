"""The demonstration clock (profiles/demo.toml): a working day of a few minutes, counted from
the moment each deadline is set, and a profile that extends another."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from activities.deadlines import compute_deadlines, shift_deadline
from domain.calendar import at_london, london_date
from domain.deadlines import Deadline, DeadlineBatch, DeadlineRequest, ShiftRequest
from domain.profile import BUNDLED_PROFILES, ProfileInvalid, load_profile
from domain.settings import Settings
from starter.devstack import DEMO_PROFILE, LocalStack

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # a Wednesday afternoon
DAY = timedelta(seconds=180)


async def demo(*requests: DeadlineRequest, now: datetime = NOW) -> dict[str, Deadline]:
    batch = DeadlineBatch(requests=list(requests), working_day_seconds=180, now=now)
    return {d.key: d for d in (await compute_deadlines(batch)).deadlines}


async def test_working_days_count_in_minutes_from_the_instant() -> None:
    found = await demo(
        DeadlineRequest(key="rr.meeting_window", base_instant=NOW),
        DeadlineRequest(key="rr.submission", base_instant=NOW),
        DeadlineRequest(key="rr.scoping_returns", base_instant=NOW, remind_working_days_before=1))
    window, submission = found["rr.meeting_window"], found["rr.submission"]
    returns = found["rr.scoping_returns"]
    assert submission.due_at == NOW + 15 * DAY
    assert window.due_at == NOW + 13 * DAY
    assert window.opens == date(2026, 12, 2)
    assert returns.remind_at == NOW + 4 * DAY
    assert submission.due == london_date(submission.due_at)
    assert submission.due_text == "Wed 2 Dec 14:45:00"


async def test_a_past_date_counts_from_now_and_a_future_one_from_its_start() -> None:
    found = await demo(
        DeadlineRequest(key="sin.notification", base=date(2026, 11, 20)),
        DeadlineRequest(key="lcspr.prepublication_notice", base=date(2027, 1, 20)))
    assert found["sin.notification"].due_at == NOW + 5 * DAY
    notice = found["lcspr.prepublication_notice"]
    assert notice.due_at == datetime(2027, 1, 20, tzinfo=UTC) - 7 * DAY


async def test_months_are_21_working_days_and_fixed_dates_stay_real() -> None:
    found = await demo(DeadlineRequest(key="lcspr.publication", base=date(2026, 12, 2)),
                       DeadlineRequest(key="action.1", base=date(2027, 3, 31)))
    assert found["lcspr.publication"].due_at == NOW + 126 * DAY
    assert found["action.1"].due_at == at_london(date(2027, 3, 31), time(17))


async def test_without_a_demo_clock_nothing_changes() -> None:
    batch = DeadlineBatch(requests=[DeadlineRequest(key="rr.submission", base_instant=NOW)],
                          now=NOW)
    (real,) = (await compute_deadlines(batch)).deadlines
    assert real.due == date(2026, 12, 23) and real.due_at.hour == 17


async def test_a_pause_moves_a_demo_deadline_on_by_its_exact_length() -> None:
    (publication,) = (await demo(DeadlineRequest(key="lcspr.publication",
                                                 base_instant=NOW))).values()
    shifted = await shift_deadline(ShiftRequest(
        deadline=publication.model_copy(update={"state": "paused"}),
        paused_at=NOW, resumed_at=NOW + timedelta(minutes=10), working_day_seconds=180))
    assert shifted.due_at == NOW + 126 * DAY + timedelta(minutes=10)
    assert shifted.state == "pending"


def test_the_demo_profile_is_the_isle_of_wight_with_a_short_day() -> None:
    demo_profile = load_profile(BUNDLED_PROFILES / "demo.toml")
    island = load_profile(BUNDLED_PROFILES / "isle-of-wight.toml")
    assert demo_profile.demo_clock is not None and demo_profile.demo_clock.working_day_seconds
    assert island.demo_clock is None
    assert demo_profile.roles == island.roles and demo_profile.agencies == island.agencies
    assert demo_profile.partnership.code == "DEMO"
    assert demo_profile.partnership.team_email == island.partnership.team_email


def test_extends_overrides_table_by_table_and_refuses_a_loop(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text((BUNDLED_PROFILES / "isle-of-wight.toml").read_text())
    child = tmp_path / "child.toml"
    child.write_text('extends = "base.toml"\n[partnership]\nteam_email = "t@x.example.org"\n'
                     '[demo_clock]\nworking_day_seconds = 1\n')
    profile = load_profile(child)
    assert profile.partnership.team_email == "t@x.example.org"
    assert profile.partnership.code == "IOW"  # the rest of the table comes from the base
    loop = tmp_path / "loop.toml"
    loop.write_text('extends = "loop.toml"\n')
    with pytest.raises(ProfileInvalid, match="extends itself"):
        load_profile(loop)
    bad = tmp_path / "bad.toml"
    bad.write_text("extends = 3\n")
    with pytest.raises(ProfileInvalid, match="extends: must be a file name"):
        load_profile(bad)
    missing = tmp_path / "missing.toml"
    missing.write_text('extends = "nowhere.toml"\n')
    with pytest.raises(ProfileInvalid, match="nowhere.toml: file not found"):
        load_profile(missing)


def test_run_local_tells_the_cli_which_profile_it_runs(tmp_path: Path) -> None:
    """`./run-local --demo` writes the profile where a CLI in another terminal reads it, and
    a run without --demo forgets it."""
    demo_stack = LocalStack(tmp_path, profile=DEMO_PROFILE)
    demo_stack.write_settings()
    settings = Settings(_env_file=tmp_path / "local.env")  # type: ignore[call-arg]
    assert settings.profile.demo_clock is not None
    assert demo_stack.env()["PARTNERSHIP_PROFILE"] == str(DEMO_PROFILE)
    LocalStack(tmp_path).write_settings()
    again = Settings(_env_file=tmp_path / "local.env")  # type: ignore[call-arg]
    assert again.profile.demo_clock is None
