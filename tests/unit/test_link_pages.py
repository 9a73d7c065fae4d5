"""What a person is told when their link cannot take an answer."""

from datetime import UTC, datetime

from domain.people import Recipient
from domain.profile import DEFAULT_PROFILE, load_profile
from domain.questions import Answer, QuestionView
from web.notices import status_notice

PROFILE = load_profile(DEFAULT_PROFILE)
AT = datetime(2026, 12, 2, 10, 15, tzinfo=UTC)
POLICE = Recipient(role="police", name="Pat Constable", email="police.lig.rep@police.example.org")


def answered(answer: Answer) -> QuestionView:
    return QuestionView(status="answered", kind="partner_response", case_ref="IOW-2026-0001",
                        answer=answer)


def test_already_answered_says_who_what_and_when() -> None:
    notice = status_notice(answered(Answer(choice="agree", rationale="", by=POLICE, at=AT)),
                           PROFILE)
    assert notice.status == 409 and notice.case_ref == "IOW-2026-0001"
    assert ("answered by Pat Constable (Police LIG representative) on Wed 2 Dec 2026, 10:15"
            in notice.message)
    assert "I agree with the initial view" in notice.message
    assert "Nothing was changed" in notice.message


def test_answer_settled_by_a_rule_or_the_team_says_so() -> None:
    deemed = status_notice(answered(Answer(choice="agree", rationale="silence is agreement",
                                           at=AT, deemed=True)), PROFILE)
    assert "by the procedure's rule (silence is agreement)" in deemed.message
    by_team = status_notice(answered(Answer(choice="agree", rationale="", at=AT,
                                            recorded_by="Kim Manager")), PROFILE)
    assert "by Kim Manager on Wed 2 Dec 2026" in by_team.message


def test_closed_and_replaced_links_name_their_case() -> None:
    for status, title in (("closed", "No longer open"), ("superseded", "Link replaced")):
        notice = status_notice(QuestionView(status=status, case_ref="IOW-2026-0001"), PROFILE)
        assert notice.title == title and notice.case_ref == "IOW-2026-0001"
