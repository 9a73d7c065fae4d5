"""Email rendering: every template renders, subjects stay anonymous, HTML is escaped."""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, UndefinedError, meta

from activities.rendering import TEMPLATES, Renderer, day, when
from domain.people import Recipient
from domain.profile import DEFAULT_PROFILE, load_profile
from domain.referral import parse_referral
from tests.support import PERSONAL, referral_data

PROFILE = load_profile(DEFAULT_PROFILE)
REFERRAL = parse_referral(
    {**referral_data(date(2026, 12, 23)), "incident_on": "2026-12-21"},
    known_agencies=set(PROFILE.agencies), today=date(2026, 12, 23),
)
INITIALS = REFERRAL.child.initials  # "Z.T."
CHILD_NAMES = (REFERRAL.child.first_name, REFERRAL.child.last_name)
LINK_URL = "https://respond.iow.example.org/respond/.eJwlisEOgkAMBf-lZyD.hWrFh6Dmn_to28Ola"
DUE = "2026-12-24T17:00:00+00:00"
DUE_TEXT = "Thu 24 Dec 2026, 17:00"
NAMES = Renderer().names()


def context(**changes: Any) -> dict[str, Any]:
    """Everything any template may ask for, as the mail activity and workflows supply it."""
    police = PROFILE.role("police")
    base: dict[str, Any] = {
        "case_ref": "IOW-2026-0001",
        "recipient": Recipient(role="police", name=police.holder.name, email=police.holder.email),
        "link_url": LINK_URL,
        "link_page": "respond",
        "partnership": PROFILE.partnership.name,
        "signature": PROFILE.partnership.signature,
        "team_email": PROFILE.partnership.team_email,
        "acting_for": "",
        "resent": "",
        "due": DUE,
        "child_initials": INITIALS,
        "received_on": REFERRAL.received_on.isoformat(),
        "aware_on": REFERRAL.aware_on.isoformat(),
        "incident_on": REFERRAL.incident_on.isoformat(),
        "incident": "serious harm",
        "criteria": "appear to be met",
        "initial_view": "notify",
        "initial_rationale": "Suspected non-accidental injury to an infant known to services.",
        "disagreements": "- Police: disagree. Injury explanation is consistent.",
        "meeting_rationale": "Partners could not agree at the meeting.",
        "outcome": "notify",
        "rationale": "Criteria met: serious harm, abuse suspected, in the area.",
        "by": "safeguarding partners (agreed)",
        "what": "serious incident notification reference",
        "waiting_for": "the local authority to record the submission reference",
        "status": "looked-after child",
        "failed_template": "sin_partner_response_request",
        "failed_to": "partner@icb.example.org",
        "failed_role": "icb",
        "error": "mail server refused the recipient permanently (550): mailbox unavailable",
        # rapid review
        "agency": "Isle of Wight NHS Trust",
        "anchor": "2026-12-21",
        "anchor_kind": "the local authority became aware of the incident",
        "meeting_on": "2027-01-05",
        "meeting_at": "10:00",
        "place": "Council offices, Newport",
        "held_on": "2027-01-05",
        "recommendation": "b",
        "recommendation_text": "the criteria for a local child safeguarding practice review "
                               "are met",
        "criteria_met": "- concerns two or more organisations or agencies working together",
        "key_lines_of_enquiry": "- How was information shared?",
        "reasons": "Agencies held parts of the picture.",
        "immediate_safeguarding": "no",
        "immediate_safeguarding_details": "",
        "legal_advice": "no",
        "reviewer_name": "not yet appointed",
        "participants": "- Children's Social Care\n- Police",
        "partnership_code": "IOW",
        "objections": "- Police: the timeline omits May.",
        "capacities": "Police LIG representative; representative of the police",
        "papers_complete": "no",
        "returns_summary": "3 of 4 agencies have returned their scoping; still awaited: "
                           "Education",
        # LCSPR
        "decided_on": "2027-01-05",
        "replacing": "",
        "work": "chronology",
        "revision_request": "Please add the May contacts.",
        "kind": "learning workshop",
        "on": "2027-03-01",
        "publish_on": "2027-06-01",
        "report_url": "https://secure.example.org/reports/iow-1",
        "justification": "Publishing in full would identify the family.",
        "url": "https://iowscp.example.org/reviews/2027-1",
        "published_on": "2027-06-01",
        "reason": "inquest",
        "details": "The inquest is listed for March.",
        # LIG route
        "decision": "a local learning event",
        "grounds": "Practice concerns warrant a learning event.",
        "raised_by": "Police",
        "review_rationale": "The partners could not agree.",
        "returned": "3 of 4",
        # local learning event
        "report_due": "2027-05-05T17:00:00+01:00",
        "methodology": "a desktop review followed by a practitioner workshop",
        "co_leads": "Police LIG representative and ICB LIG representative",
        "comments": "Please make recommendation 2 SMART.",
        "methods": "practitioner briefing, newsletter",
        # action plans
        "review": "local learning event",
        "n": "3",
        "description": "Audit use of the escalation policy",
        "target_date": "2027-09-30",
        "rag": "amber",
        "latest_progress": "Audit tool agreed.",
        "actions": "- Action 1 (Police), target 2027-09-30: AMBER",
        "implemented": "1",
        "total": "3",
        "agreed": "Partnership Executive, 2027-06-01",
    }
    base.update(changes)
    return base


def variables(name: str) -> set[str]:
    """The context variables a template reads, including its included partials."""
    env = Environment()
    env.filters.update(when=when, day=day)
    found: set[str] = set()
    pending = [f"{name}.txt.j2"]
    while pending:
        source = (TEMPLATES / pending.pop()).read_text()
        ast = env.parse(source)
        found |= meta.find_undeclared_variables(ast)
        pending += [str(t) for t in meta.find_referenced_templates(ast) if t]
    return found


def test_there_are_templates_and_partials_are_not_listed() -> None:
    assert "sin_initial_view_request" in NAMES and "lac_death_notification" in NAMES
    assert not any(name.startswith("_") for name in NAMES)
    assert sorted(NAMES) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_every_template_renders(name: str) -> None:
    rendered = Renderer().render(name, context())
    assert rendered.subject and not rendered.subject.startswith("Subject")
    assert "\n" not in rendered.subject
    assert rendered.text.strip() and rendered.text.endswith("\n")
    assert not rendered.text.startswith("Subject:")
    assert PROFILE.partnership.signature in rendered.text
    assert PROFILE.partnership.team_email in rendered.text
    assert rendered.html.lstrip().startswith("<!doctype html>")
    assert "{{" not in rendered.text and "{%" not in rendered.text
    used = variables(name)
    if "recipient" in used:
        assert rendered.text.startswith(f"Dear {PROFILE.role('police').holder.name},")
    if "child_initials" in used:
        assert INITIALS in rendered.text
    if "due" in used:
        assert DUE_TEXT in rendered.text
    if "case_ref" in used:
        assert "IOW-2026-0001" in rendered.text


@pytest.mark.parametrize("name", NAMES)
def test_subject_never_identifies_the_child(name: str) -> None:
    subject = Renderer().render(name, context()).subject
    for secret in (INITIALS, INITIALS.replace(".", ""), *CHILD_NAMES, *PERSONAL):
        assert secret.lower() not in subject.lower()


@pytest.mark.parametrize("name", NAMES)
def test_missing_context_variable_raises(name: str) -> None:
    used = variables(name)
    assert used, f"{name} reads no variables?"
    for variable in sorted(used):
        partial = context()
        del partial[variable]
        # StrictUndefined raises UndefinedError naming the variable; a missing date reaching
        # the `when`/`day` filters fails inside the filter instead (TypeError). Either way
        # nothing renders with a blank.
        with pytest.raises((UndefinedError, TypeError)) as caught:
            Renderer().render(name, partial)
        message = str(caught.value)
        assert f"'{variable}' is undefined" in message or "Undefined" in message, message


@pytest.mark.parametrize("name", NAMES)
def test_link_url_is_a_link_in_text_and_html(name: str) -> None:
    rendered = Renderer().render(name, context())
    if "link_url" not in variables(name):
        assert LINK_URL not in rendered.text
        return
    assert LINK_URL in rendered.text
    assert f'<a href="{LINK_URL}"' in rendered.html


@pytest.mark.parametrize("name", NAMES)
def test_no_link_when_link_url_is_none(name: str) -> None:
    rendered = Renderer().render(name, context(link_url=None))
    assert "respond.iow.example.org" not in rendered.text + rendered.html
    assert "/respond/" not in rendered.html and "Open the secure page" not in rendered.html
    assert "secure link (personal to you" not in rendered.text


def test_urls_are_linked_without_the_sentence_punctuation_around_them() -> None:
    rendered = Renderer().render("lcspr_nspcc", context())
    assert '<a href="https://iowscp.example.org/reviews/2027-1">' in rendered.html


def test_deputy_greeting_names_the_role_acted_for() -> None:
    rendered = Renderer().render("sin_partner_response_request",
                                 context(acting_for="Police LIG representative"))
    assert "as deputy for the Police LIG representative" in rendered.text
    plain = Renderer().render("sin_partner_response_request", context())
    assert "deputy" not in plain.text


def test_a_request_sent_again_says_so_and_offers_the_new_link() -> None:
    again = Renderer().render("lcspr_approval_request", context(resent="yes"))
    assert "sent this request again" in again.text and "earlier one may have expired" in again.text
    assert again.text.index("sent this request again") < again.text.index(LINK_URL)
    assert "sent this request again" in again.html
    assert "again" not in Renderer().render("lcspr_approval_request", context()).text


@pytest.mark.parametrize(
    ("name", "field"),
    [("sin_outcome", "rationale"), ("sin_partner_response_request", "initial_rationale"),
     ("sin_meeting_needed", "disagreements"), ("sin_chair_decision_request", "meeting_rationale"),
     ("step_overdue", "what")],
)
def test_html_escapes_user_text(name: str, field: str) -> None:
    evil = "<script>alert('x')</script> & <b>bold</b>"
    rendered = Renderer().render(name, context(**{field: evil}))
    assert evil in rendered.text  # the plain-text part is sent as written
    assert "<script>" not in rendered.html and "<b>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html and "&amp;" in rendered.html


def test_html_escapes_the_recipient_name() -> None:
    recipient = Recipient(role="icb", name="<img src=x onerror=alert(1)>", email="a@b.example.org")
    html = Renderer().render("sin_outcome", context(recipient=recipient)).html
    assert "<img" not in html and "&lt;img" in html


def test_url_in_user_text_cannot_break_out_of_its_attribute() -> None:
    rationale = 'see https://x.example.org/a"onmouseover="alert(1) for details'
    html = Renderer().render("sin_outcome", context(rationale=rationale)).html
    assert '"onmouseover' not in html
    assert '<a href="https://x.example.org/a' in html


def test_url_in_user_text_is_made_clickable() -> None:
    html = Renderer().render(
        "sin_outcome", context(rationale="Minutes: https://docs.example.org/m/1 attached")).html
    assert ('<a href="https://docs.example.org/m/1">https://docs.example.org/m/1</a>'
            in html)


def test_html_keeps_paragraphs_and_line_breaks() -> None:
    rendered = Renderer().render("sin_meeting_needed",
                                 context(disagreements="- Police: disagree\n- ICB: disagree"))
    assert "- Police: disagree<br>\n- ICB: disagree" in rendered.html
    assert rendered.html.count("<p>") >= rendered.text.strip().count("\n\n") + 1


def test_outcome_wording_follows_the_outcome() -> None:
    notify = Renderer().render("sin_outcome", context(outcome="notify")).text
    dont = Renderer().render("sin_outcome", context(outcome="do_not_notify")).text
    assert "is: NOTIFY" in notify and "rapid review follows" in notify
    assert "is: DO NOT NOTIFY" in dont and "LIG chair will decide" in dont


def test_when_filter_formats_in_london_time() -> None:
    assert when("2026-12-24T17:00:00+00:00") == "Thu 24 Dec 2026, 17:00"
    assert when("2026-07-01T16:00:00+00:00") == "Wed 1 Jul 2026, 17:00"  # BST
    assert when(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == "Sun 29 Mar 2026, 02:00"
    assert when(date(2026, 12, 24)) == "Thu 24 Dec 2026"
    with pytest.raises(TypeError):
        when(42)


def test_when_filter_in_a_template() -> None:
    summer = Renderer().render("step_overdue", context(due="2026-07-01T16:00:00+00:00")).text
    assert "due by Wed 1 Jul 2026, 17:00" in summer
    winter = Renderer().render("step_overdue", context()).text
    assert "due by Thu 24 Dec 2026, 17:00" in winter


def test_day_filter() -> None:
    assert day("2026-03-02") == "Mon 2 Mar 2026"
    assert day("2026-12-24T17:00:00+00:00") == "Thu 24 Dec 2026"
    assert day(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "Wed 1 Jul 2026"  # London date
    with pytest.raises(TypeError):
        day(None)


def test_lac_death_notification_is_anonymous() -> None:
    full = context(**REFERRAL.model_dump(mode="json"), status="looked-after child")
    full.update(child_initials=INITIALS, incident_on=REFERRAL.incident_on.isoformat(),
                aware_on=REFERRAL.aware_on.isoformat(), incident="death")
    rendered = Renderer().render("lac_death_notification", full)
    assert rendered.subject == "Notification: death of a looked-after child"
    assert "Case reference: IOW-2026-0001" in rendered.text
    assert "Date of death: Mon 21 Dec 2026" in rendered.text
    assert "aware: Wed 23 Dec 2026" in rendered.text
    everything = "\n".join((rendered.subject, rendered.text, rendered.html))
    for secret in (*PERSONAL, INITIALS, *CHILD_NAMES, "Quillfeather", "PO30"):
        assert secret not in everything


def test_lac_death_notification_for_a_care_leaver() -> None:
    rendered = Renderer().render("lac_death_notification", context(status="care leaver"))
    assert rendered.subject == "Notification: death of a care leaver"
    assert "death of a care leaver." in rendered.text


def test_template_without_subject_line_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.txt.j2").write_text("Hello {{ who }}\n")
    with pytest.raises(ValueError, match="Subject"):
        Renderer(tmp_path).render("bad", {"who": "you"})


def test_names_lists_the_renderers_own_directory(tmp_path: Path) -> None:
    """Renderer(directory) renders from `directory`, so names() should list it too; today it
    always lists the bundled templates."""
    (tmp_path / "only_one.txt.j2").write_text("Subject: hi\nbody\n")
    (tmp_path / "_partial.txt.j2").write_text("x\n")
    assert Renderer(tmp_path).names() == ["only_one"]
