"""Intake validation of referrals (SPEC §3) and the facts derived from them (SPEC §4)."""

from datetime import date
from typing import Any

import pytest

from domain.referral import Child, Referral, ReferralInvalid, parse_referral
from tests.support import referral_data

ON = date(2026, 3, 2)  # the day the fixture referral is dated (received, aware, incident)
TODAY = date(2026, 3, 10)
KNOWN = {"childrens_social_care", "police", "health", "education", "gp"}


def parse(data: Any, today: date = TODAY) -> Referral:
    return parse_referral(data, known_agencies=KNOWN, today=today)


def problems(data: Any, today: date = TODAY) -> dict[str, str]:
    """The problems parse_referral reports, as {field: message(s)}."""
    with pytest.raises(ReferralInvalid) as caught:
        parse(data, today)
    found: dict[str, str] = {}
    for problem in caught.value.problems:
        assert problem.message, f"{problem.field} reported without a message"
        found[problem.field] = "; ".join(filter(None, (found.get(problem.field), problem.message)))
    # The exception's own message names every field too (it is what intake shows).
    for field in found:
        assert field in str(caught.value)
    return found


# --- accepted ---------------------------------------------------------------------------------


def test_fixture_referral_is_accepted() -> None:
    referral = parse(referral_data(ON))
    assert referral.received_on == referral.aware_on == referral.incident_on == ON
    assert referral.incident == "serious_harm"
    assert referral.child.first_name == "Zephyrine"
    assert referral.child.date_of_birth == date(2025, 8, 14)
    assert [m.relationship for m in referral.family] == ["mother", "father"]
    assert referral.referrer.agency == "childrens_social_care"
    assert referral.agencies_involved == ["childrens_social_care", "police", "health", "education"]


def test_fixture_as_shipped_is_accepted_with_its_own_dates() -> None:
    data = referral_data(ON)
    data.update(received_on="2026-03-02", aware_on="2026-02-27", incident_on="2026-02-26")
    referral = parse(data)
    assert (referral.incident_on, referral.aware_on, referral.received_on) == (
        date(2026, 2, 26), date(2026, 2, 27), date(2026, 3, 2))


def test_dates_on_today_itself_are_not_in_the_future() -> None:
    referral = parse(referral_data(TODAY), today=TODAY)
    assert referral.received_on == TODAY


def test_optional_fields_may_be_absent() -> None:
    data = referral_data(ON)
    for key in ("family", "lig_representative_consulted", "agencies_involved",
                "coroner_involved", "siblings_safeguarding"):
        del data[key]
    for key in ("gender", "ethnicity", "nhs_number", "address", "education_setting",
                "looked_after", "care_leaver", "child_protection_plan"):
        del data["child"][key]
    referral = parse(data)
    assert referral.family == [] and referral.agencies_involved == []
    assert referral.child.looked_after is False and referral.child.care_leaver is False


def test_whitespace_is_stripped_from_text_fields() -> None:
    referral = parse(referral_data(ON, child_first_name="  Zephyrine  "))
    assert referral.child.first_name == "Zephyrine"


# --- refused: one field at a time -------------------------------------------------------------


def test_non_object_body_is_refused() -> None:
    for body in ([referral_data(ON)], "referral", None, 42):
        assert list(problems(body)) == ["(body)"]


def test_missing_required_child_field_is_named_by_dotted_path() -> None:
    data = referral_data(ON)
    del data["child"]["first_name"]
    found = problems(data)
    assert list(found) == ["child.first_name"]
    assert "required" in found["child.first_name"]


@pytest.mark.parametrize("field", ["received_on", "incident", "abuse_or_neglect", "location",
                                   "child", "referrer", "referred_for", "case_outline",
                                   "reason_for_referral", "criminal_investigation"])
def test_missing_required_top_level_field_is_named(field: str) -> None:
    data = referral_data(ON)
    del data[field]
    assert list(problems(data)) == [field]


def test_blank_name_counts_as_missing() -> None:
    assert list(problems(referral_data(ON, child_last_name="   "))) == ["child.last_name"]


def test_unknown_extra_field_is_named() -> None:
    assert problems(referral_data(ON, favourite_colour="blue")) == {
        "favourite_colour": "is not a referral field"}


def test_unknown_extra_nested_field_is_named() -> None:
    found = problems(referral_data(ON, child_shoe_size=3))
    assert found == {"child.shoe_size": "is not a referral field"}


def test_bad_enum_is_named() -> None:
    found = problems(referral_data(ON, incident="fire"))
    assert list(found) == ["incident"]
    assert "death" in found["incident"] and "serious_harm" in found["incident"]


def test_bad_email_and_nhs_number_are_named() -> None:
    data = referral_data(ON, child_nhs_number="12345")
    data["referrer"]["email"] = "priya at example.org"
    assert set(problems(data)) == {"referrer.email", "child.nhs_number"}


def test_well_formed_nhs_number_is_accepted() -> None:
    assert parse(referral_data(ON, child_nhs_number="943 476 5919")).child.nhs_number


@pytest.mark.parametrize("field", ["received_on", "aware_on", "incident_on"])
def test_date_in_the_future_is_refused(field: str) -> None:
    data = referral_data(ON)
    data[field] = "2026-03-11"  # TODAY + 1
    found = problems(data)
    assert field in found
    assert "future" in found[field]


def test_child_date_of_birth_in_the_future_is_refused() -> None:
    found = problems(referral_data(ON, child_date_of_birth="2026-03-11"))
    assert "future" in found["child.date_of_birth"]


def test_future_is_judged_against_the_given_today() -> None:
    data = referral_data(date(2026, 3, 11))
    assert "received_on" in problems(data, today=TODAY)
    assert parse(data, today=date(2026, 3, 11)).received_on == date(2026, 3, 11)


def test_aware_on_before_incident_on_is_refused() -> None:
    found = problems(referral_data(ON, aware_on="2026-03-01"))
    assert found == {"aware_on": "is before incident_on"}


def test_incident_before_the_child_was_born_is_refused() -> None:
    found = problems(referral_data(ON, child_date_of_birth="2026-03-05"))
    assert list(found) == ["incident_on"]
    assert "date of birth" in found["incident_on"]


def test_looked_after_and_care_leaver_together_are_refused() -> None:
    found = problems(referral_data(ON, child_looked_after=True, child_care_leaver=True))
    assert list(found) == ["child.care_leaver"]
    assert "looked_after" in found["child.care_leaver"]


def test_unknown_agency_involved_is_named_by_index() -> None:
    data = referral_data(ON, agencies_involved=["police", "martians", "health", "atlantis"])
    found = problems(data)
    assert set(found) == {"agencies_involved[1]", "agencies_involved[3]"}
    assert "martians" in found["agencies_involved[1]"]
    assert "atlantis" in found["agencies_involved[3]"]


def test_unknown_referrer_agency_is_named() -> None:
    data = referral_data(ON)
    data["referrer"]["agency"] = "nowhere"
    found = problems(data)
    assert list(found) == ["referrer.agency"]
    assert "nowhere" in found["referrer.agency"]


def test_agencies_are_checked_against_the_known_set_given() -> None:
    data = referral_data(ON)
    with pytest.raises(ReferralInvalid):
        parse_referral(data, known_agencies={"childrens_social_care"}, today=TODAY)
    assert parse_referral(data, known_agencies=KNOWN | {"x"}, today=TODAY)


# --- refused: several problems at once --------------------------------------------------------


def test_several_field_problems_are_all_reported() -> None:
    data = referral_data(ON, incident="fire", favourite_colour="blue", criminal_investigation="?")
    del data["child"]["first_name"]
    data["family"][0]["name"] = ""
    found = problems(data)
    assert {"incident", "favourite_colour", "criminal_investigation", "child.first_name"} <= set(
        found)
    assert any(field.startswith("family") and field.endswith("name") for field in found)


def test_several_date_and_fact_problems_are_all_reported() -> None:
    data = referral_data(ON, aware_on="2026-03-01", received_on="2026-03-20",
                         child_looked_after=True, child_care_leaver=True)
    found = problems(data)
    assert {"aware_on", "received_on", "child.care_leaver"} <= set(found)


def test_several_unknown_agencies_are_all_reported() -> None:
    data = referral_data(ON, agencies_involved=["nowhere"])
    data["referrer"]["agency"] = "elsewhere"
    assert set(problems(data)) == {"agencies_involved[0]", "referrer.agency"}


def test_unknown_agency_is_reported_alongside_a_date_problem() -> None:
    """SPEC §3: every problem at once, so intake can fix them in one go (an unknown agency must
    not stay hidden until the date is fixed and the form resubmitted)."""
    data = referral_data(ON, aware_on="2026-03-01", agencies_involved=["martians"])
    assert {"aware_on", "agencies_involved[0]"} <= set(problems(data))


def test_date_problem_is_reported_alongside_a_missing_field() -> None:
    """As above: date checks must still run when another field is malformed."""
    data = referral_data(ON, aware_on="2026-03-20")
    del data["case_outline"]
    assert {"case_outline", "aware_on"} <= set(problems(data))


def test_future_date_given_as_a_date_object_is_refused() -> None:
    """Callers in Python (not JSON) may pass real dates; pydantic accepts them, so the
    cross-field checks must see them too."""
    data = referral_data(ON)
    data["received_on"] = date(2026, 4, 1)
    assert "received_on" in problems(data)


def test_future_date_given_as_a_midnight_datetime_string_is_refused() -> None:
    """pydantic accepts '2026-04-01T00:00:00' for a date field; it is still in the future."""
    assert "received_on" in problems(referral_data(ON, received_on="2026-04-01T00:00:00"))


@pytest.mark.parametrize(("looked_after", "care_leaver"), [("true", 1), (1, "yes"), (True, "true")])
def test_looked_after_and_care_leaver_in_lax_boolean_forms_are_refused(
        looked_after: object, care_leaver: object) -> None:
    """pydantic reads 'true', 'yes' and 1 as True, so the contradiction is still there."""
    data = referral_data(ON, child_looked_after=looked_after, child_care_leaver=care_leaver)
    assert "child.care_leaver" in problems(data)


# --- derived facts ----------------------------------------------------------------------------


@pytest.mark.parametrize("abuse", ["known", "suspected"])
@pytest.mark.parametrize("location", ["in_area", "outside_england_normally_resident"])
@pytest.mark.parametrize("incident", ["death", "serious_harm"])
def test_sin_criteria_met(abuse: str, location: str, incident: str) -> None:
    referral = parse(referral_data(ON, abuse_or_neglect=abuse, location=location,
                                   incident=incident))
    assert referral.sin_criteria_met is True


@pytest.mark.parametrize(
    ("abuse", "location"),
    [("not_suspected", "in_area"), ("not_suspected", "outside_england_normally_resident"),
     ("known", "elsewhere"), ("suspected", "elsewhere"), ("not_suspected", "elsewhere")],
)
def test_sin_criteria_not_met(abuse: str, location: str) -> None:
    referral = parse(referral_data(ON, abuse_or_neglect=abuse, location=location))
    assert referral.sin_criteria_met is False


def test_death_of_looked_after_child_is_notifiable() -> None:
    referral = parse(referral_data(ON, incident="death", child_looked_after=True))
    assert referral.lac_death_notifiable is True


def test_death_of_looked_after_child_is_notifiable_whatever_abuse_answer() -> None:
    referral = parse(referral_data(ON, incident="death", child_looked_after=True,
                                   abuse_or_neglect="not_suspected", location="elsewhere"))
    assert referral.lac_death_notifiable is True
    assert referral.sin_criteria_met is False


def test_serious_harm_to_looked_after_child_is_not_a_lac_death() -> None:
    referral = parse(referral_data(ON, incident="serious_harm", child_looked_after=True))
    assert referral.lac_death_notifiable is False


def test_death_of_child_neither_looked_after_nor_care_leaver_is_not_a_lac_death() -> None:
    assert parse(referral_data(ON, incident="death")).lac_death_notifiable is False


def test_care_leaver_aged_24_at_death_is_notifiable() -> None:
    # Born 3 Mar 2001: the day before the 25th birthday when the incident is 2 Mar 2026.
    referral = parse(referral_data(ON, incident="death", child_care_leaver=True,
                                   child_date_of_birth="2001-03-03"))
    assert referral.lac_death_notifiable is True


def test_care_leaver_aged_25_at_death_is_not_notifiable() -> None:
    # Born 2 Mar 2001: the 25th birthday is the day of the incident.
    referral = parse(referral_data(ON, incident="death", child_care_leaver=True,
                                   child_date_of_birth="2001-03-02"))
    assert referral.lac_death_notifiable is False


def test_care_leaver_serious_harm_is_not_notifiable() -> None:
    referral = parse(referral_data(ON, incident="serious_harm", child_care_leaver=True,
                                   child_date_of_birth="2005-01-01"))
    assert referral.lac_death_notifiable is False


def test_child_initials() -> None:
    assert parse(referral_data(ON)).child.initials == "Z.T."
    child = Child(first_name="amy", last_name="o'brien", date_of_birth=date(2020, 1, 1))
    assert child.initials == "A.O."
