"""Nothing personal reaches a national body: redaction of typed text, and every national
template rendered from a national context with personal data planted in every field."""

from __future__ import annotations

from datetime import date

import pytest

from activities.rendering import Renderer
from domain.forms import national_context, redact
from domain.people import Recipient
from domain.referral import Referral, parse_referral
from tests.support import PERSONAL, referral_data

ON = date(2026, 11, 20)
REFERRAL: Referral = parse_referral(
    referral_data(ON, child_nhs_number="943 476 5919"),
    known_agencies={"childrens_social_care", "police", "health", "education"}, today=ON)
NATIONAL_TEMPLATES = ["rr_panel_submission", "rr_decision_notice", "rr_not_held_panel",
                      "lcspr_reviewer_notice", "lcspr_prepublication_notice",
                      "lcspr_improvements_only", "lcspr_nspcc", "lcspr_paused",
                      "lcspr_resumed", "lcspr_new_information", "lac_death_notification"]
LEAKY = ("Zephyrines mother (born 14/08/2025, 14 August 2025, 2025-08-14) at 7 Quillfeather "
         "Lane, PO30 9ZZ; Z.T. / ZT; NHS 9434765919; Marigold's partner Bartholomew.")


@pytest.mark.parametrize("text", [
    "Zephyrine", "Zephyrines", "Zephyrine's", "TESTCASE", "born 14/08/2025", "14 Aug 2025",
    "August 14, 2025", "7 Quillfeather Lane", "PO30 9ZZ", "po30 9zz", "Z.T.", "Z. T.", "ZT",
    "943 476 5919", "9434765919", "Marigold", "Bartholomew", "1999-01-05", "05/01/1999"])
def test_redact_removes_each_form(text: str) -> None:
    cleaned = redact(text, REFERRAL)
    assert "[redacted]" in cleaned
    assert cleaned.replace("[redacted]", "").strip(" .,/") in ("", "born", "'s")


def test_redact_keeps_ordinary_words() -> None:
    text = "Police and health visitors; zealous zoning; a ZTX unit; 2024-08-14."
    assert redact(text, REFERRAL) == text


@pytest.mark.parametrize("name", NATIONAL_TEMPLATES)
def test_national_templates_carry_nothing_personal(name: str) -> None:
    """Every field of the context holds personal data; the national context cleans it all."""
    variables = ["case_ref", "partnership", "signature", "team_email", "held_on", "reasons",
                 "recommendation", "recommendation_text", "reviewer_name", "criteria_met",
                 "key_lines_of_enquiry", "participants", "immediate_safeguarding",
                 "immediate_safeguarding_details", "legal_advice", "incident", "rationale",
                 "decided_on", "replacing", "publish_on", "report_url", "justification", "url",
                 "published_on", "reason", "details", "due", "status", "incident_on",
                 "aware_on", "partnership_code", "child_initials", "acting_for",
                 "resent"]
    dates = {"held_on", "decided_on", "publish_on", "published_on", "due", "incident_on",
             "aware_on"}
    context = {v: ("2027-01-05" if v in dates else LEAKY) for v in variables}
    context.update(recommendation="b", replacing="", acting_for="", resent="")
    safe = national_context(context, REFERRAL)
    assert "child_initials" not in safe
    rendered = Renderer().render(name, {
        **safe, "recipient": Recipient(role="panel", name="National Panel",
                                       email="Mailbox.NationalReviewPanel@education.gov.uk"),
        "link_url": None})
    everything = rendered.subject + rendered.text + rendered.html
    for secret in (*PERSONAL, "Z.T.", "Quillfeather", "14/08/2025", "9434765919", "PO30"):
        assert secret.lower() not in everything.lower(), (name, secret)
