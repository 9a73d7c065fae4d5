"""Partnership profile: who does what in one partnership, loaded from TOML (SPEC §8).

A case keeps a copy of the profile it started with, so that editing the file (a new chair,
say) changes who new cases write to without rewriting running cases' history.
"""

from __future__ import annotations

import tomllib
from datetime import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from domain.people import EmailAddress, Person

# The roles the SIN decision writes to. Deputies answer for a role when its holder is absent.
SIN_ROLES = (
    "lig_chair",
    "la_service_director",
    "police",
    "icb",
    "partnership_chair",
    "independent_scrutineer",
    "strategic_partnership_manager",
)
PARTNER_ROLES = ("la_service_director", "police", "icb")
# The three partners' decision-makers, who ratify a rapid review (SPEC §5 step 5).
DECISION_MAKER_ROLES = ("la_decision_maker", "police_decision_maker", "icb_decision_maker")
REQUIRED_ROLES = SIN_ROLES + DECISION_MAKER_ROLES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Role(_Strict):
    title: str = Field(min_length=1)
    holder: Person
    deputies: tuple[Person, ...] = ()


class Agency(_Strict):
    name: str = Field(min_length=1)
    partner: Literal["la", "police", "icb"] | None = None
    safeguarding_lead: Person
    lig_representative: Person


class NationalMailboxes(_Strict):
    panel: EmailAddress = "Mailbox.NationalReviewPanel@education.gov.uk"
    ofsted: EmailAddress = "SCR.SIN@ofsted.gov.uk"
    dfe: EmailAddress = "Mailbox.CPOD@education.gov.uk"
    nspcc: EmailAddress = "information@nspcc.org.uk"


class Partnership(_Strict):
    name: str = Field(min_length=1)
    code: str = Field(pattern=r"^[A-Z]{2,6}$")
    team_email: EmailAddress
    close_of_business: time = time(17, 0)
    rapid_review_anchor: Literal["aware", "notification"] = "aware"
    sin_process: Literal["isle_of_wight", "hampshire"] = "isle_of_wight"
    methodology_menu: tuple[str, ...] = ()
    signature: str = Field(min_length=1)


class DemoClock(_Strict):
    """For trying the product and for load tests only: a working day lasts this many seconds,
    counted from the moment each deadline is set, so a case's statutory clocks run in minutes.
    A month counts as 21 working days. Dates people give (a publication date, an action's
    target) stay real dates."""

    working_day_seconds: int = Field(ge=1, le=86_400)


class Profile(_Strict):
    partnership: Partnership
    national: NationalMailboxes = NationalMailboxes()
    roles: dict[str, Role]
    agencies: dict[str, Agency]
    demo_clock: DemoClock | None = None

    @model_validator(mode="after")
    def _every_role_filled(self) -> Profile:
        # Only the roles every snapshot ever had: running cases carry old snapshots, which
        # must keep decoding. load_profile holds new profile files to REQUIRED_ROLES.
        missing = [role for role in SIN_ROLES if role not in self.roles]
        if missing:
            raise ValueError(f"roles: missing {', '.join(missing)}")
        return self

    def decision_maker(self, partner: str) -> str:
        """The partner's decision-maker role; a case started before profiles had them asks
        that partner's LIG representative instead."""
        role = {"la": "la_decision_maker", "police": "police_decision_maker",
                "icb": "icb_decision_maker"}[partner]
        if role in self.roles:
            return role
        return {"la": "la_service_director", "police": "police", "icb": "icb"}[partner]

    def role(self, key: str) -> Role:
        """A role, or an agency's safeguarding lead addressed as the role 'agency:<key>'."""
        if key.startswith("agency:"):
            agency = self.agencies[key.removeprefix("agency:")]
            return Role(title=f"{agency.name} safeguarding lead", holder=agency.safeguarding_lead)
        return self.roles[key]


class ProfileInvalid(ValueError):
    pass


def _read(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A profile file's tables; `extends = "other.toml"` (beside it) starts from that file's
    tables and overrides what this one sets, table by table."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileInvalid(f"partnership profile {path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileInvalid(f"partnership profile {path}: not valid TOML ({exc})") from None
    base = raw.pop("extends", None)
    if base is None:
        return raw
    if not isinstance(base, str):
        raise ProfileInvalid(f"partnership profile {path}: extends: must be a file name")
    parent = (path.parent / base).resolve()
    if parent in seen:
        raise ProfileInvalid(f"partnership profile {path}: extends: {base} extends itself")
    return _merged(_read(parent, (*seen, parent)), raw)


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_profile(path: str | Path) -> Profile:
    """Load and validate a profile; the error names the file and each bad field."""
    path = Path(path)
    raw = _read(path, (path.resolve(),))
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        fields = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(file)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ProfileInvalid(f"partnership profile {path}: {fields}") from None
    missing = [role for role in REQUIRED_ROLES if role not in profile.roles]
    if missing:
        raise ProfileInvalid(f"partnership profile {path}: roles: missing {', '.join(missing)}")
    return profile


BUNDLED_PROFILES = Path(__file__).resolve().parent.parent / "profiles"
DEFAULT_PROFILE = BUNDLED_PROFILES / "isle-of-wight.toml"
