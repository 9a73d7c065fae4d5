"""Partnership profiles (SPEC §8): the bundled profiles and refusal of bad files."""

import os
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from domain.profile import (
    BUNDLED_PROFILES,
    DEFAULT_PROFILE,
    PARTNER_ROLES,
    SIN_ROLES,
    Profile,
    ProfileInvalid,
    load_profile,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile(DEFAULT_PROFILE)


def test_bundled_profile_loads(profile: Profile) -> None:
    assert profile.partnership.code == "IOW"
    assert profile.partnership.name == "Isle of Wight Safeguarding Children Partnership"
    assert profile.partnership.close_of_business == time(17, 0)
    assert profile.partnership.sin_process == "isle_of_wight"
    assert profile.partnership.signature
    assert "@" in profile.partnership.team_email


def test_bundled_profile_uses_the_real_national_mailboxes(profile: Profile) -> None:
    assert profile.national.panel == "Mailbox.NationalReviewPanel@education.gov.uk"
    assert profile.national.ofsted == "SCR.SIN@ofsted.gov.uk"
    assert profile.national.dfe == "Mailbox.CPOD@education.gov.uk"
    assert profile.national.nspcc == "information@nspcc.org.uk"


@pytest.mark.parametrize("role", SIN_ROLES)
def test_bundled_profile_fills_every_sin_role(profile: Profile, role: str) -> None:
    filled = profile.role(role)
    assert filled.title and filled.holder.name and "@" in filled.holder.email


def test_partner_roles_are_sin_roles() -> None:
    assert set(PARTNER_ROLES) <= set(SIN_ROLES)


def test_bundled_profile_deputies(profile: Profile) -> None:
    """SPEC §4: police -> SCR team inbox; ICB -> Designated Doctor and ICB safeguarding team;
    Service Director -> the LA's LIG representative."""
    police = [d.name for d in profile.role("police").deputies]
    icb = [d.name for d in profile.role("icb").deputies]
    director = profile.role("la_service_director").deputies
    assert police == ["Serious Case Review team"]
    assert icb == ["Designated Doctor", "ICB safeguarding team"]
    assert len(director) == 1
    assert director[0].email == profile.agencies["childrens_social_care"].lig_representative.email
    for role in ("police", "icb", "la_service_director"):
        holder = profile.role(role).holder.email
        assert all(d.email != holder for d in profile.role(role).deputies)


def test_bundled_profile_agencies_match_the_fixture_referral(profile: Profile) -> None:
    assert {"childrens_social_care", "police", "health", "education"} <= set(profile.agencies)
    partners = {a.partner for a in profile.agencies.values() if a.partner}
    assert partners == {"la", "police", "icb"}


def test_national_mailboxes_default_when_the_section_is_left_out(tmp_path: Path) -> None:
    path = write(tmp_path, without_section(DEFAULT_PROFILE.read_text(), "[national]"))
    assert load_profile(path).national.panel == "Mailbox.NationalReviewPanel@education.gov.uk"


def test_a_copy_of_the_bundled_profile_loads_from_elsewhere(tmp_path: Path) -> None:
    assert load_profile(write(tmp_path, DEFAULT_PROFILE.read_text())).partnership.code == "IOW"


# --- broken profiles --------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def without_section(text: str, header: str) -> str:
    """The TOML text with one [section] (header line to the next blank line) removed."""
    lines = text.splitlines()
    start = lines.index(header)
    end = start
    while end < len(lines) and lines[end].strip():
        end += 1
    return "\n".join(lines[:start] + lines[end:]) + "\n"


def refusal(path: Path) -> str:
    with pytest.raises(ProfileInvalid) as caught:
        load_profile(path)
    message = str(caught.value)
    assert str(path) in message
    return message


def test_missing_partnership_chair_is_named(tmp_path: Path) -> None:
    text = without_section(DEFAULT_PROFILE.read_text(), "[roles.partnership_chair]")
    message = refusal(write(tmp_path, text))
    assert "roles" in message and "partnership_chair" in message
    assert "lig_chair" not in message  # only the missing role is named


def test_several_missing_roles_are_all_named(tmp_path: Path) -> None:
    text = DEFAULT_PROFILE.read_text()
    for header in ("[roles.police]", "[roles.independent_scrutineer]"):
        text = without_section(text, header)
    message = refusal(write(tmp_path, text))
    assert "police" in message and "independent_scrutineer" in message


def test_bad_holder_email_is_named(tmp_path: Path) -> None:
    text = DEFAULT_PROFILE.read_text().replace(
        '"police.lig.rep@police.example.org" }', '"police.lig.rep at police" }', 1)
    message = refusal(write(tmp_path, text))
    assert "roles.police.holder.email" in message


def test_bad_team_email_is_named(tmp_path: Path) -> None:
    text = DEFAULT_PROFILE.read_text().replace('"scp@iow.example.org"', '"scp@iow"')
    assert "partnership.team_email" in refusal(write(tmp_path, text))


def test_bad_national_mailbox_is_named(tmp_path: Path) -> None:
    text = DEFAULT_PROFILE.read_text().replace('"SCR.SIN@ofsted.gov.uk"', '"ofsted"')
    assert "national.ofsted" in refusal(write(tmp_path, text))


@pytest.mark.parametrize("code", ["iow", "I", "ISLEOFWIGHT", "IO W", "IOW1"])
def test_bad_partnership_code_is_named(tmp_path: Path, code: str) -> None:
    text = DEFAULT_PROFILE.read_text().replace('code = "IOW"', f'code = "{code}"')
    assert "partnership.code" in refusal(write(tmp_path, text))


def test_unknown_field_is_named(tmp_path: Path) -> None:
    text = DEFAULT_PROFILE.read_text().replace('code = "IOW"', 'code = "IOW"\ncolour = "blue"')
    assert "partnership.colour" in refusal(write(tmp_path, text))


def test_several_bad_fields_are_all_named(tmp_path: Path) -> None:
    text = (DEFAULT_PROFILE.read_text()
            .replace('code = "IOW"', 'code = "iow"')
            .replace('"scp@iow.example.org"', '"nobody"'))
    message = refusal(write(tmp_path, text))
    assert "partnership.code" in message and "partnership.team_email" in message


def test_invalid_toml_is_refused_naming_the_file(tmp_path: Path) -> None:
    text = DEFAULT_PROFILE.read_text().replace('code = "IOW"', 'code = "IOW')
    message = refusal(write(tmp_path, text, "syntax.toml"))
    assert "TOML" in message


def test_missing_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    message = refusal(tmp_path / "nowhere.toml")
    assert "not found" in message


def test_empty_file_names_the_missing_sections(tmp_path: Path) -> None:
    message = refusal(write(tmp_path, ""))
    assert "partnership" in message and "roles" in message and "agencies" in message


@pytest.mark.parametrize("command", [["worker.py"], ["-m", "starter", "web"]],
                         ids=["worker", "web"])
def test_invalid_profile_stops_start_up_naming_the_field(command: list[str],
                                                         tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text((BUNDLED_PROFILES / "hampshire.toml").read_text()
                   .replace('code = "HSCP"', 'code = "hs-1"'))
    env = {**os.environ, "PARTNERSHIP_PROFILE": str(bad),
           "LINK_SIGNING_KEY": "a-test-signing-key-long-enough",
           "TEMPORAL_ADDRESS": "127.0.0.1:9"}  # never reached: the profile is checked first
    run = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 2
    assert "partnership.code" in run.stderr and str(bad) in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("name", ["isle-of-wight", "hampshire", "west-midlands"])
def test_each_seed_partnership_has_a_valid_profile(name: str) -> None:
    profile = load_profile(BUNDLED_PROFILES / f"{name}.toml")
    assert profile.partnership.methodology_menu
    assert profile.partnership.sin_process == ("hampshire" if name == "hampshire"
                                               else "isle_of_wight")
