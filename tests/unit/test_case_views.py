"""`case show`'s RAG state and timeline (starter/cases.py), on hand-made deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.case import Decision, SentMessage
from domain.deadlines import Deadline
from starter.cases import rag, timeline

NOW = datetime(2026, 12, 21, 10, 0, tzinfo=UTC)  # Monday


def deadline(due: date, state: str = "pending", completed: datetime | None = None) -> Deadline:
    return Deadline(key="sin.notification", label="SIN", base=date(2026, 12, 14), due=due,
                    due_at=datetime(due.year, due.month, due.day, 17, tzinfo=UTC),
                    state=state, completed_at=completed)  # type: ignore[arg-type]


def test_rag() -> None:
    assert rag(deadline(date(2026, 12, 21)), NOW) == "amber"  # due today, not yet passed
    assert rag(deadline(date(2026, 12, 23)), NOW) == "amber"  # two working days on
    # Christmas: 24 Dec, then 25 and 28 Dec are holidays: 29 Dec is three working days on.
    assert rag(deadline(date(2026, 12, 29)), NOW) == "green"
    assert rag(deadline(date(2026, 12, 18)), NOW) == "red"  # due and not done
    assert rag(deadline(date(2026, 12, 29), "missed"), NOW) == "red"
    assert rag(deadline(date(2026, 12, 18), "met", NOW), NOW) == "green"
    assert rag(deadline(date(2026, 12, 18), "paused"), NOW) == "grey"


def test_timeline_is_in_order() -> None:
    events = timeline(
        [deadline(date(2026, 12, 18), "met", datetime(2026, 12, 17, 9, tzinfo=UTC))],
        [Decision(kind="initial_view", choice="notify", by="LIG chair",
                  at=datetime(2026, 12, 16, 9, tzinfo=UTC))],
        [SentMessage(template="sin_outcome", to=["a@b.org"], message_id="x",
                     sent_at=datetime(2026, 12, 16, 12, tzinfo=UTC))])
    assert [e["kind"] for e in events] == ["decision", "message", "deadline"]
    assert events[2]["what"] == "sin.notification met"
