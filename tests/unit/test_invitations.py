"""One meeting invitation per person, with deputies for absent holders (domain/invitations.py)."""

from domain.invitations import meeting_invitees
from domain.profile import BUNDLED_PROFILES, load_profile

PROFILE = load_profile(BUNDLED_PROFILES / "west-midlands.toml")
ROLES = ["lig_chair", "la_service_director", "police", "icb"]
AGENCIES = ["childrens_social_care", "police", "health", "gp", "education"]


def by_email(absent: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    return {i.person.email: (i.capacities, i.deputy_for)
            for i in meeting_invitees(PROFILE, ROLES, AGENCIES, absent)}


def test_a_person_holding_several_places_is_invited_once_naming_each() -> None:
    invited = by_email([])
    assert list(invited) == [
        "lig.chair@wm.example.org", "service.director@wm.example.org",
        "police.lig.rep@police.example.org", "icb.lig.rep@icb.example.org",
        "la.lig.rep@wm.example.org", "education.lig@wm.example.org"]
    police = PROFILE.agencies["police"].name
    assert invited["police.lig.rep@police.example.org"] == (
        ["Police LIG representative", f"representative of {police}"], [])
    capacities, _ = invited["icb.lig.rep@icb.example.org"]
    assert len(capacities) == 3  # the ICB, the NHS trust and general practice


def test_an_absent_holder_is_not_invited_in_any_capacity_and_the_deputies_are() -> None:
    invited = by_email(["police"])
    assert "police.lig.rep@police.example.org" not in invited
    capacities, deputy_for = invited["scr.team@police.example.org"]
    assert capacities == ["Police LIG representative",
                          f"representative of {PROFILE.agencies['police'].name}"]
    assert deputy_for == ["Police LIG representative"]


def test_a_deputy_who_also_holds_a_place_gets_one_invitation() -> None:
    invited = by_email(["la_service_director"])
    assert "service.director@wm.example.org" not in invited
    capacities, deputy_for = invited["la.lig.rep@wm.example.org"]
    assert capacities == [PROFILE.roles["la_service_director"].title,
                          f"representative of {PROFILE.agencies['childrens_social_care'].name}"]
    assert deputy_for == [PROFILE.roles["la_service_director"].title]


def test_an_absent_holder_without_deputies_is_still_invited() -> None:
    """Nobody else can speak for the role: the holder is told, as every other step does."""
    assert "lig.chair@wm.example.org" in by_email(["lig_chair"])
