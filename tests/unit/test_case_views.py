"""`case show`'s RAG state, timeline and answers (starter/cases.py), on hand-made data."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.case import Decision, LifecycleView, SentMessage
from domain.deadlines import Deadline
from domain.people import Recipient
from domain.questions import Answer, Question
from starter.answers import answer_lines, answers_json
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


def lifecycle_with(*questions: Question) -> LifecycleView:
    return LifecycleView(name="rapid-review", workflow_id="case-X.rapid-review", case_ref="X",
                         step="meeting", deadlines=[], decisions=[], messages=[],
                         questions=list(questions))


def test_answers_carry_every_field_of_a_scoping_return_labelled_in_form_order() -> None:
    lead = Recipient(role="agency:health", name="Trust lead", email="lead@trust.example.org")
    returned = Question(
        id="scoping:health", kind="scoping_return", roles=["agency:health"],
        deadline_key="rr.scoping_returns.health", template="rr_scoping_request",
        status="answered", answer=Answer(
            choice="returned", rationale="papers by secure email", by=lead,
            at=datetime(2026, 12, 17, 9, tzinfo=UTC),
            fields={"practice_analysis": "Concerns not shared with the GP.",
                    "completer": "T. Lead, named nurse", "records_secured": "yes",
                    "involvement_summary": "Birth visit.\nTwo clinic contacts.",
                    "retired_field": "kept"}))
    deemed = Question(id="partner_response:police", kind="partner_response", roles=["police"],
                      deadline_key="sin.partner_responses", template="t", status="answered",
                      answer=Answer(choice="agree", rationale="silence is agreement",
                                    at=datetime(2026, 12, 16, 17, tzinfo=UTC), deemed=True))
    still_open = Question(id="scoping:gp", kind="scoping_return", roles=["agency:gp"],
                          deadline_key="rr.scoping_returns.gp", template="t")
    answers = answers_json([lifecycle_with(returned, deemed, still_open)])
    assert [a["question"] for a in answers] == ["partner_response:police", "scoping:health"]
    scoping = answers[1]
    assert scoping["by"]["email"] == "lead@trust.example.org"
    assert [f["name"] for f in scoping["fields"]] == [
        "completer", "records_secured", "involvement_summary", "practice_analysis",
        "retired_field"]
    assert scoping["fields"][2]["label"].startswith("Your agency's involvement")
    text = "\n".join(answer_lines(scoping))
    assert "Trust lead for agency:health <lead@trust.example.org>" in text
    assert "Birth visit.\n      Two clinic contacts." in text
    assert "Rationale / notes: papers by secure email" in text
    assert answer_lines(answers[0]) == [
        "rapid-review partner_response:police: agree (rule: silence is agreement)"]
