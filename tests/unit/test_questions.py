"""The question/answer state machine behind respond links."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.people import Recipient
from domain.questions import CHOICES, AnswerSignal, Link, Question, QuestionBook

AT = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
LATER = AT + timedelta(hours=2)

HOLDER = Recipient(role="police", name="Pat Constable", email="police.lig.rep@police.example.org")
OTHER = Recipient(role="police", name="Chris Sergeant", email="sergeant@police.example.org")
DEPUTY = Recipient(role="police", name="Serious Case Review team",
                   email="scr.team@police.example.org")
ICB = Recipient(role="icb", name="Jo Nurse", email="icb.lig.rep@icb.example.org")


def question(qid: str = "partner_response:police", kind: str = "partner_response",
             links: list[Link] | None = None, roles: list[str] | None = None) -> Question:
    return Question(
        id=qid,
        kind=kind,  # type: ignore[arg-type]
        roles=roles or ["police"],
        template="x",
        deadline_key="sin.partner_responses",
        links=links if links is not None else [Link(nonce="n-1", recipient=HOLDER),
                                               Link(nonce="n-2", recipient=OTHER)],
    )


def book_with(*questions: Question) -> QuestionBook:
    book = QuestionBook()
    for q in questions or (question(),):
        book.ask(q)
    return book


def answer(nonce: str, choice: str = "agree", rationale: str = "", **kw: Any) -> AnswerSignal:
    return AnswerSignal(nonce=nonce, choice=choice, rationale=rationale, **kw)


# --- asking -----------------------------------------------------------------------------------


def test_asked_question_is_open_on_every_link() -> None:
    book = book_with()
    q = book.questions["partner_response:police"]
    assert q.status == "open" and q.answer is None
    assert q.choices == ("agree", "disagree")
    assert book.link_status("n-1") == book.link_status("n-2") == "open"
    assert book.open_questions() == [q]
    found = book.find("n-2")
    assert found is not None and found[0] is q and found[1].recipient == OTHER


def test_choices_per_kind() -> None:
    assert CHOICES["initial_view"] == CHOICES["chair_decision"] == ("notify", "do_not_notify")
    assert CHOICES["sin_reference"] == ("submitted",)


# --- accepting answers ------------------------------------------------------------------------


def test_first_answer_is_recorded_and_closes_the_question_for_both_links() -> None:
    book = book_with()
    q = book.accept(answer("n-2", "disagree", "  we hold information the view misses  "), AT)
    assert q is not None and q is book.questions["partner_response:police"]
    assert q.status == "answered"
    assert q.answer is not None
    assert q.answer.choice == "disagree"
    assert q.answer.rationale == "we hold information the view misses"
    assert q.answer.by == OTHER
    assert q.answer.at == AT
    assert q.answer.deemed is False and q.answer.recorded_by is None
    assert book.link_status("n-1") == "answered"
    assert book.link_status("n-2") == "answered"
    assert book.open_questions() == []
    assert book.rejected == []


@pytest.mark.parametrize("second_nonce", ["n-1", "n-2"])
def test_second_answer_on_either_link_changes_nothing(second_nonce: str) -> None:
    book = book_with()
    book.accept(answer("n-1", "agree", "first"), AT)
    assert book.accept(answer(second_nonce, "disagree", "second"), LATER) is None
    q = book.questions["partner_response:police"]
    assert q.answer is not None
    assert (q.answer.choice, q.answer.rationale, q.answer.by, q.answer.at) == (
        "agree", "first", HOLDER, AT)
    assert len(book.rejected) == 1
    duplicate = book.rejected[0]
    assert duplicate.nonce == second_nonce and duplicate.at == LATER
    assert "answered" in duplicate.reason


def test_invalid_choice_is_rejected_and_question_stays_open() -> None:
    book = book_with()
    assert book.accept(answer("n-1", "notify"), AT) is None
    q = book.questions["partner_response:police"]
    assert q.status == "open" and q.answer is None
    assert book.link_status("n-1") == "open"
    assert len(book.rejected) == 1 and "notify" in book.rejected[0].reason
    # ... and a valid answer afterwards still counts.
    assert book.accept(answer("n-1", "agree"), LATER) is not None


def test_unknown_nonce_is_rejected() -> None:
    book = book_with()
    assert book.link_status("n-nope") == "unknown"
    assert book.find("n-nope") is None
    assert book.accept(answer("n-nope"), AT) is None
    assert [(d.nonce, d.reason) for d in book.rejected] == [("n-nope", "link is unknown")]
    assert book.questions["partner_response:police"].status == "open"


def test_answer_only_touches_its_own_question() -> None:
    police = question()
    icb = question("partner_response:icb", roles=["icb"],
                   links=[Link(nonce="n-icb", recipient=ICB)])
    book = book_with(police, icb)
    book.accept(answer("n-icb", "agree"), AT)
    assert icb.status == "answered"
    assert police.status == "open" and police.answer is None
    assert book.link_status("n-1") == "open"
    assert book.open_questions() == [police]


def test_closed_question_refuses_answers() -> None:
    book = book_with()
    book.close("partner_response:police", "case withdrawn")
    q = book.questions["partner_response:police"]
    assert q.status == "closed" and q.closed_reason == "case withdrawn"
    assert book.link_status("n-1") == "closed"
    assert book.accept(answer("n-1"), AT) is None
    assert q.answer is None
    assert book.rejected[0].reason == "link is closed"


def test_close_does_not_reopen_or_relabel_an_answered_question() -> None:
    book = book_with()
    book.accept(answer("n-1"), AT)
    book.close("partner_response:police", "too late")
    q = book.questions["partner_response:police"]
    assert q.status == "answered" and q.closed_reason is None


# --- superseding a holder by deputies ---------------------------------------------------------


def test_supersede_role_supersedes_holder_links_but_not_deputy_links() -> None:
    q = question(links=[Link(nonce="n-holder", recipient=HOLDER),
                        Link(nonce="n-deputy", recipient=DEPUTY, deputy=True)])
    book = book_with(q)
    assert book.supersede_role("police") == [q]
    assert book.link_status("n-holder") == "superseded"
    assert book.link_status("n-deputy") == "open"
    assert book.accept(answer("n-holder", "agree"), AT) is None
    assert q.status == "open" and q.answer is None
    assert "superseded" in book.rejected[0].reason
    accepted = book.accept(answer("n-deputy", "disagree", "deputy view"), LATER)
    assert accepted is q and q.answer is not None and q.answer.by == DEPUTY
    assert book.link_status("n-holder") == "answered"


def test_supersede_role_leaves_other_roles_alone() -> None:
    police = question()
    icb = question("partner_response:icb", roles=["icb"],
                   links=[Link(nonce="n-icb", recipient=ICB)])
    book = book_with(police, icb)
    assert book.supersede_role("icb") == [icb]
    assert book.link_status("n-1") == book.link_status("n-2") == "open"
    assert book.link_status("n-icb") == "superseded"


def test_supersede_role_skips_answered_questions_and_is_idempotent() -> None:
    answered = question()
    still_open = question("initial_view", kind="initial_view", roles=["police"],
                          links=[Link(nonce="n-3", recipient=HOLDER)])
    book = book_with(answered, still_open)
    book.accept(answer("n-1"), AT)
    assert book.supersede_role("police") == [still_open]
    assert book.link_status("n-1") == "answered"
    assert not answered.links[0].superseded
    assert book.supersede_role("police") == []  # nothing left to supersede


# --- kinds with extra rules -------------------------------------------------------------------


def sin_reference_book() -> QuestionBook:
    return book_with(question("sin_reference", kind="sin_reference", roles=["la_service_director"],
                              links=[Link(nonce="n-ref", recipient=HOLDER)]))


@pytest.mark.parametrize("reference", [None, "", "   "])
def test_sin_reference_needs_a_reference(reference: str | None) -> None:
    book = sin_reference_book()
    assert book.accept(answer("n-ref", "submitted", reference=reference), AT) is None  # type: ignore[arg-type]
    assert book.questions["sin_reference"].status == "open"
    assert "reference" in book.rejected[0].reason


def test_sin_reference_with_reference_is_accepted_and_stripped() -> None:
    book = sin_reference_book()
    q = book.accept(answer("n-ref", "submitted", reference="  SIN-12345 "), AT)
    assert q is not None and q.answer is not None
    assert q.answer.reference == "SIN-12345" and q.answer.choice == "submitted"


def test_reference_is_not_required_for_other_kinds() -> None:
    book = book_with()
    q = book.accept(answer("n-1", "agree"), AT)
    assert q is not None and q.answer is not None and q.answer.reference is None


# --- deemed and recorded answers --------------------------------------------------------------


def test_deem_records_a_rule_answer_with_no_person() -> None:
    book = book_with()
    q = book.deem("partner_response:police", "agree", "silence is agreement", AT)
    assert q.status == "answered"
    assert q.answer is not None
    assert q.answer.deemed is True and q.answer.by is None and q.answer.recorded_by is None
    assert (q.answer.choice, q.answer.rationale, q.answer.at) == (
        "agree", "silence is agreement", AT)
    assert book.link_status("n-1") == "answered"
    assert book.accept(answer("n-1", "disagree"), LATER) is None
    assert q.answer.choice == "agree"


def test_record_for_records_the_operator() -> None:
    book = book_with()
    q = book.record_for("partner_response:police", "disagree", "given by phone", AT,
                        recorded_by="partnership team")
    assert q is not None and q.status == "answered" and q.answer is not None
    assert q.answer.recorded_by == "partnership team"
    assert q.answer.by is None and q.answer.deemed is False
    assert (q.answer.choice, q.answer.rationale) == ("disagree", "given by phone")
    assert book.link_status("n-2") == "answered"


def test_record_for_keeps_a_reference() -> None:
    book = sin_reference_book()
    q = book.record_for("sin_reference", "submitted", "", AT, recorded_by="team",
                        reference="SIN-999")
    assert q is not None and q.answer is not None and q.answer.reference == "SIN-999"


def test_record_for_refuses_a_bad_choice() -> None:
    book = book_with()
    assert book.record_for("partner_response:police", "maybe", "", AT, recorded_by="t") is None
    q = book.questions["partner_response:police"]
    assert q.status == "open" and q.answer is None


def test_record_for_refuses_when_already_answered() -> None:
    book = book_with()
    book.accept(answer("n-1", "agree", "by link"), AT)
    assert book.record_for("partner_response:police", "disagree", "", LATER,
                           recorded_by="t") is None
    q = book.questions["partner_response:police"]
    assert q.answer is not None and q.answer.rationale == "by link" and q.answer.by == HOLDER


def test_record_for_refuses_when_closed_or_unknown() -> None:
    book = book_with()
    book.close("partner_response:police", "withdrawn")
    assert book.record_for("partner_response:police", "agree", "", AT, recorded_by="t") is None
    assert book.questions["partner_response:police"].answer is None
    assert book.record_for("no-such-question", "agree", "", AT, recorded_by="t") is None


def test_book_round_trips_through_json() -> None:
    """Workflows keep the book in their state, so it must survive serialisation."""
    book = book_with()
    book.accept(answer("n-2", "disagree", "why"), AT)
    book.accept(answer("n-1"), LATER)
    copy = QuestionBook.model_validate_json(book.model_dump_json())
    assert copy == book
    assert copy.link_status("n-1") == "answered" and len(copy.rejected) == 1


# --- the rules an answer posted through a link must meet (the answer update's validator) ------


@pytest.mark.parametrize(("posted", "problem"), [
    (answer("n-1", "maybe", "why"), "Please choose one of the options."),
    (answer("n-1", "disagree", "  "), "Please give your rationale."),
    (answer("n-9", "agree", "ok"), "This question is no longer open to this link (it is unknown)."),
    (answer("n-1", "agree", "ok"), None),
])
def test_answer_problem_names_what_is_wrong(posted: AnswerSignal, problem: str | None) -> None:
    assert book_with().answer_problem(posted) == problem


def test_answer_problem_for_a_reference_and_a_form() -> None:
    book = book_with(question("sin_reference", "sin_reference"),
                     question("scoping:health", "scoping_return",
                              links=[Link(nonce="s-1", recipient=ICB)], roles=["agency:health"]))
    assert book.answer_problem(answer("n-1", "submitted", reference=" ")) == \
        "Please enter the submission reference."
    assert book.answer_problem(answer("n-1", "submitted", reference="SIN-1")) is None
    problem = book.answer_problem(answer("s-1", "returned", fields={"completer": "Jo"}))
    assert problem is not None and "please complete this" in problem
    assert "Your name" not in problem  # the completer was given
    assert book.answer_problem(answer("s-1", "not_known")) is None  # no form for "not known"


def test_answer_problem_once_answered_or_superseded() -> None:
    book = book_with()
    book.supersede_role("police")
    assert book.answer_problem(answer("n-1", "agree", "ok")) == \
        "This question is no longer open to this link (it is superseded)."
    book = book_with()
    book.accept(answer("n-1", "agree", "ok"), AT)
    assert book.answer_problem(answer("n-2", "agree", "ok")) == \
        "This question is no longer open to this link (it is answered)."


def test_answer_problem_checks_the_link_s_own_question_and_recipient() -> None:
    """The signed claims name the question and the address the link was sent to; a link
    presented for anything else is refused, whatever its nonce."""
    book = book_with()
    bound = {"question_id": "partner_response:police", "recipient": HOLDER.email.upper()}
    assert book.answer_problem(answer("n-1", "agree", "ok", **bound)) is None
    wrong_question = {**bound, "question_id": "partner_response:icb"}
    wrong_person = {**bound, "recipient": OTHER.email}
    for claims in (wrong_question, wrong_person):
        assert book.answer_problem(answer("n-1", "agree", "ok", **claims)) == \
            "This link is not valid for this question."


def test_as_posted_keeps_only_the_fields_of_the_question_s_form() -> None:
    book = book_with(question("scoping:health", "scoping_return",
                              links=[Link(nonce="s-1", recipient=ICB)], roles=["agency:health"]))
    posted = answer("s-1", "returned", fields={"completer": "Jo", "other_agencies": "",
                                               "csrf_extra": "x"})
    assert book.as_posted(posted).fields == {"completer": "Jo", "other_agencies": ""}
    assert book.as_posted(answer("s-1", "not_known", fields={"completer": "Jo"})).fields == {}
